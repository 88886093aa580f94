// CoreDNS for the test node with only the plugins its Corefile uses (src/node/coredns.ts):
// the cluster's names from the kubernetes plugin and nothing forwarded anywhere, so the
// cloud back-ends (and their SDKs) of the stock build are left out.
package main

import (
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"

	"github.com/coredns/coredns/coremain"
)

func main() {
	coremain.Run()
}
