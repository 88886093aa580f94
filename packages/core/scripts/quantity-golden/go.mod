module linkerd-smi-ts/quantity-golden

go 1.22

require k8s.io/apimachinery v0.29.1

require (
	github.com/gogo/protobuf v1.3.2 // indirect
	gopkg.in/inf.v0 v0.9.1 // indirect
	sigs.k8s.io/json v0.0.0-20221116044647-bc3834ca7abd // indirect
)
