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
{{- printf "%s/%s:%s" $image.registry $image.name (default .Chart.AppVersion $image.tag) -}}
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
{{- with .Values.adaptor.resources -}}
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
