{{/*
Shared snippets of the linkerd-smi chart.
*/}}

{{/* The chart's name and version, as the helm.sh/chart label wants them. */}}
{{- define "linkerd-smi.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels that select the smi-adaptor pods: the Go linkerd-smi chart's, so that an
install of it is upgraded in place (a Deployment's selector cannot change).
*/}}
{{- define "linkerd-smi.selectorLabels" -}}
linkerd.io/extension: smi
component: smi-adaptor
{{- end -}}

{{/* Labels of every object of the release. */}}
{{- define "linkerd-smi.labels" -}}
helm.sh/chart: {{ include "linkerd-smi.chart" . }}
app.kubernetes.io/name: smi-adaptor
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: linkerd-smi
linkerd.io/extension: smi
{{- end -}}

{{/* Labels of the adaptor's own objects (Deployment, pods, Service, RBAC): the release's and the selector's. */}}
{{- define "linkerd-smi.adaptorLabels" -}}
{{ include "linkerd-smi.labels" . }}
component: smi-adaptor
{{- end -}}

{{/* The metadata lines shared by every namespaced object: namespace and labels. */}}
{{- define "linkerd-smi.namespacedMetadata" -}}
namespace: {{ .Release.Namespace }}
labels:
  {{- include "linkerd-smi.adaptorLabels" . | nindent 2 }}
{{- end -}}

{{/* The smi-adaptor image reference; the tag defaults to the chart's appVersion. */}}
{{- define "linkerd-smi.image" -}}
{{- $image := .Values.adaptor.image -}}
{{- if include "linkerd-smi.goImage" . -}}
{{- printf "ghcr.io/linkerd-smi-ts/%s:%s" $image.name .Chart.AppVersion -}}
{{- else -}}
{{- printf "%s/%s:%s" $image.registry $image.name (default .Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
Values from the Go linkerd-smi chart (1.0.x), so that `helm upgrade` with its values
file works; each is reported in the NOTES ("linkerd-smi.goValuesNotes").
*/}}
{{/* True when the image is the Go adaptor's registry: it does not take this adaptor's flags. */}}
{{- define "linkerd-smi.goImage" -}}
{{- if eq .Values.adaptor.image.registry "cr.l5d.io/linkerd" }}true{{ end -}}
{{- end -}}

{{/* The user the adaptor runs as: the Go chart's adaptor.runAsUser, else 65534. */}}
{{- define "linkerd-smi.runAsUser" -}}
{{- .Values.adaptor.runAsUser | default 65534 | int -}}
{{- end -}}

{{/* Pull secrets: adaptor.imagePullSecrets, then the Go chart's top-level imagePullSecrets. */}}
{{- define "linkerd-smi.imagePullSecrets" -}}
{{- $secrets := concat (.Values.adaptor.imagePullSecrets | default list) (.Values.imagePullSecrets | default list) | uniq -}}
{{- with $secrets }}{{ toYaml . }}{{ end -}}
{{- end -}}

{{/*
Memory the adaptor cannot run in: its idle RSS is about 57 MiB (docs/bench). A request
or limit under this (the Go chart's default is 20Mi) is replaced by this chart's
default for it (values.yaml: adaptor.resources; a chart test keeps the two equal),
and the NOTES say so.
*/}}
{{- define "linkerd-smi.memoryFloorMi" -}}64{{- end -}}
{{- define "linkerd-smi.defaultMemory" -}}
{{- get (dict "requests" "112Mi" "limits" "320Mi") . -}}
{{- end -}}

{{/* A memory quantity in Mi (Ki, Mi, Gi, M, G or bytes); -1 when it cannot be read. */}}
{{- define "linkerd-smi.mebibytes" -}}
{{- $q := toString . -}}
{{- if regexMatch "^[0-9]+Gi$" $q -}}{{ mul (trimSuffix "Gi" $q | atoi) 1024 }}
{{- else if regexMatch "^[0-9]+Mi$" $q -}}{{ trimSuffix "Mi" $q | atoi }}
{{- else if regexMatch "^[0-9]+Ki$" $q -}}{{ div (trimSuffix "Ki" $q | atoi) 1024 }}
{{- else if regexMatch "^[0-9]+G$" $q -}}{{ div (mul (trimSuffix "G" $q | atoi) 1000000000) 1048576 }}
{{- else if regexMatch "^[0-9]+M$" $q -}}{{ div (mul (trimSuffix "M" $q | atoi) 1000000) 1048576 }}
{{- else if regexMatch "^[0-9]+$" $q -}}{{ div ($q | atoi) 1048576 }}
{{- else -}}-1
{{- end -}}
{{- end -}}

{{/*
The memory requests and limits of adaptor.resources under the floor, as YAML
(`requests: 20Mi`), for "linkerd-smi.resources" to replace and the NOTES to report.
*/}}
{{- define "linkerd-smi.starvedMemory" -}}
{{- $floor := include "linkerd-smi.memoryFloorMi" . | atoi -}}
{{- $starved := dict -}}
{{- range $kind := list "requests" "limits" -}}
{{- with get ($.Values.adaptor.resources | default dict) $kind -}}
{{- if hasKey . "memory" -}}
{{- $mib := include "linkerd-smi.mebibytes" .memory | atoi -}}
{{- if and (ge $mib 0) (lt $mib $floor) -}}
{{- $_ := set $starved $kind (toString .memory) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- with $starved }}{{ toYaml . }}{{ end -}}
{{- end -}}

{{/* adaptor.resources, with a starving memory request or limit replaced by the default. */}}
{{- define "linkerd-smi.resources" -}}
{{- $resources := deepCopy (.Values.adaptor.resources | default dict) -}}
{{- range $kind, $_ := include "linkerd-smi.starvedMemory" . | fromYaml -}}
{{- $_ := set (get $resources $kind) "memory" (include "linkerd-smi.defaultMemory" $kind) -}}
{{- end -}}
{{- with $resources }}{{ toYaml . }}{{ end -}}
{{- end -}}

{{/* One line each for what was done with the Go chart's values found in this release. */}}
{{- define "linkerd-smi.goValuesNotes" -}}
{{- $notes := list -}}
{{- if hasKey .Values "linkerdNamespace" -}}
{{- $notes = append $notes (printf "linkerdNamespace (%s): the adaptor reads the cluster's default opaque ports from the linkerd-config ConfigMap there (-linkerd-namespace)." .Values.linkerdNamespace) -}}
{{- end -}}
{{- if hasKey .Values "namespaceMetadata" -}}
{{- $notes = append $notes "namespaceMetadata: not used; there is no namespace-metadata Job: the adaptor labels its namespace linkerd.io/extension=smi itself." -}}
{{- end -}}
{{- with .Values.imagePullSecrets -}}
{{- $notes = append $notes "imagePullSecrets: added to the adaptor's pods (adaptor.imagePullSecrets is this chart's key)." -}}
{{- end -}}
{{- if hasKey .Values.adaptor "runAsUser" -}}
{{- $notes = append $notes (printf "adaptor.runAsUser (%d): the adaptor runs as that user." (int .Values.adaptor.runAsUser)) -}}
{{- end -}}
{{- if include "linkerd-smi.goImage" . -}}
{{- $notes = append $notes (printf "adaptor.image.registry cr.l5d.io/linkerd is the Go adaptor's image, which does not take this adaptor's flags: running %s instead (set adaptor.image.registry to choose another)." (include "linkerd-smi.image" .)) -}}
{{- end -}}
{{- $floor := include "linkerd-smi.memoryFloorMi" . | atoi -}}
{{- $starved := include "linkerd-smi.starvedMemory" . | fromYaml -}}
{{- range $kind := list "requests" "limits" -}}
{{- with $given := get $starved $kind -}}
{{- $notes = append $notes (printf "adaptor.resources.%s.memory %v would starve this adaptor (about 57 MiB idle, 83 MiB at 1,000 TrafficSplits, where the Go adaptor needed 20Mi): this chart's default %s is used instead; set it to %dMi or more to choose." $kind $given (include "linkerd-smi.defaultMemory" $kind) $floor) -}}
{{- end -}}
{{- end -}}
{{- range $notes }}
  - {{ . }}
{{- end -}}
{{- end -}}

{{/* True (non-empty) when more than one replica runs: leader election and a PDB. */}}
{{- define "linkerd-smi.highlyAvailable" -}}
{{- if gt (int .Values.adaptor.replicas) 1 }}true{{ end -}}
{{- end -}}

{{/*
The Pod Security level the namespace enforces: `restricted`, unless the adaptor
is meshed without Linkerd's CNI plugin (proxy-init then needs NET_ADMIN and
NET_RAW, as in Linkerd's own extensions' namespaces).
*/}}
{{- define "linkerd-smi.podSecurity" -}}
{{- if and .Values.adaptor.proxyInject (not .Values.cniEnabled) }}privileged{{ else }}restricted{{ end -}}
{{- end -}}

{{/*
The adaptor's V8 heap limit, from the container's memory limit (Mi or Gi):
three quarters of it, leaving the rest to what is not heap (Node's own code
and buffers). Node alone would size the heap to the whole limit, so the
kernel would kill the container before V8 collected harder. Empty when there
is no limit in those units.
*/}}
{{- define "linkerd-smi.nodeOptions" -}}
{{- $limit := "" -}}
{{- with include "linkerd-smi.resources" . | fromYaml -}}
{{- with .limits -}}
{{- $limit = toString (.memory | default "") -}}
{{- end -}}
{{- end -}}
{{- $mib := 0 -}}
{{- if regexMatch "^[0-9]+Gi$" $limit -}}
{{- $mib = mul (trimSuffix "Gi" $limit | atoi) 1024 -}}
{{- else if regexMatch "^[0-9]+Mi$" $limit -}}
{{- $mib = trimSuffix "Mi" $limit | atoi -}}
{{- end -}}
{{- if gt (int $mib) 0 -}}
--max-old-space-size={{ div (mul $mib 3) 4 }}
{{- end -}}
{{- end }}

{{/*
Whether this release renders the CRD named by the list's second item: when the CRD
does not exist yet, or when it is this release's own (Helm's ownership annotations
name this release and namespace). A CRD kept by an uninstalled release (they are
kept on purpose: deleting one deletes every object of its kind) or applied by
`linkerd smi install` is left as it is, because Helm refuses to take over an object
another release or no release owns; the NOTES say so. Client-only renders (`helm
template`, `linkerd smi install`) see no cluster and always render it.
*/}}
{{- define "linkerd-smi.ownsCRD" -}}
{{- $root := index . 0 -}}
{{- $crd := lookup "apiextensions.k8s.io/v1" "CustomResourceDefinition" "" (index . 1) -}}
{{- $annotations := dig "metadata" "annotations" (dict) $crd -}}
{{- if or (not $crd) (and (eq (get $annotations "meta.helm.sh/release-name") $root.Release.Name) (eq (get $annotations "meta.helm.sh/release-namespace") $root.Release.Namespace)) -}}
true
{{- end -}}
{{- end -}}
