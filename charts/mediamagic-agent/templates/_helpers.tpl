{{- define "agent.fullname" -}}
{{- printf "%s-agent" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "agent.labels" -}}
app.kubernetes.io/name: mediamagic-agent
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The agent's config file: its [worker] settings and nothing of the platform's. */}}
{{- define "agent.config" -}}
{{- $worker := dict "driver" .Values.driver "machine_types" .Values.machineTypes -}}
{{- if eq .Values.driver "kubernetes" -}}
{{- $_ := set $worker "kubernetes" (dict "namespace" .Values.jobsNamespace "transfer_image" .Values.transferImage "pod_uid" (.Values.podUid | int)) -}}
{{- end -}}
{{- $config := dict "log" (dict "format" "json" "filter" "info") "worker" $worker "agent" (dict "url" (required "url: the platform's public URL is required" .Values.url)) -}}
{{- mergeOverwrite $config (deepCopy .Values.config) | toYaml -}}
{{- end -}}
