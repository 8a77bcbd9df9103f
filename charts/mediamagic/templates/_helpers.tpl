{{/* Names, labels and the role table every template reads. */}}

{{- define "mediamagic.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mediamagic.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one role: (dict "root" $ "role" "media"). */}}
{{- define "mediamagic.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "mediamagic.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/*
The roles: port, the keys each holds (src/secrets.rs: required, then optional), and what
else it needs. Kept in one place so the deployments, services and the chart test agree.
*/}}
{{- define "mediamagic.roles" -}}
router:   {port: 4000, keys: [root_public_key, internal_private_key, internal_secret], optionalKeys: [], database: false, redis: true}
accounts: {port: 4001, keys: [root_private_key, internal_public_key, internal_secret], optionalKeys: [events_secret], database: true, redis: true}
models:   {port: 4002, keys: [internal_public_key], optionalKeys: [], database: true, redis: true}
media:    {port: 4003, keys: [internal_public_key, storage_secret, worker_public_key], optionalKeys: [events_secret], database: true, redis: true}
jobs:     {port: 4004, keys: [internal_public_key, webhook_secrets_key], optionalKeys: [events_secret], database: true, redis: true}
worker:   {port: 4005, keys: [internal_public_key, worker_private_key], optionalKeys: [], database: true, redis: true}
billing:  {port: 4006, keys: [internal_public_key], optionalKeys: [events_secret], database: true, redis: true}
compat:   {port: 4007, keys: [], optionalKeys: [], database: false, redis: false}
{{- end -}}

{{/* The media service's objects-only port (what job pods may reach). */}}
{{- define "mediamagic.objectsPort" -}}4013{{- end -}}

{{/* In-cluster base URL of a role: (dict "root" $ "role" "media"). */}}
{{- define "mediamagic.url" -}}
{{- $roles := include "mediamagic.roles" .root | fromYaml -}}
http://{{ include "mediamagic.fullname" .root }}-{{ .role }}:{{ (get $roles .role).port }}
{{- end -}}

{{- define "mediamagic.databaseSecret" -}}
{{- if .Values.cloudnativepg.enabled -}}{{ include "mediamagic.fullname" . }}-db-app
{{- else if .Values.database.existingSecret -}}{{ .Values.database.existingSecret }}{{- else -}}{{ include "mediamagic.fullname" . }}-urls{{- end -}}
{{- end -}}

{{- define "mediamagic.databaseKey" -}}
{{- if .Values.cloudnativepg.enabled -}}uri
{{- else if .Values.database.existingSecret -}}{{ .Values.database.existingSecretKey }}{{- else -}}database-url{{- end -}}
{{- end -}}

{{- define "mediamagic.redisKey" -}}
{{- if .Values.redis.existingSecret -}}{{ .Values.redis.existingSecretKey }}{{- else -}}redis-url{{- end -}}
{{- end -}}

{{- define "mediamagic.redisSecret" -}}
{{- if .Values.redis.existingSecret -}}{{ .Values.redis.existingSecret }}{{- else -}}{{ include "mediamagic.fullname" . }}-urls{{- end -}}
{{- end -}}

{{/* The platform config every `mediamagic serve <role>` reads, chart settings first. */}}
{{- define "mediamagic.platformConfig" -}}
{{- $media := include "mediamagic.url" (dict "root" . "role" "media") -}}
{{- $objects := printf "http://%s-media:%s" (include "mediamagic.fullname" .) (include "mediamagic.objectsPort" .) -}}
{{- $storage := dict "kind" "local" -}}
{{- if eq .Values.storage.kind "s3" -}}
{{- $storage = dict "kind" "s3" "endpoint" .Values.storage.s3.endpoint "bucket" .Values.storage.s3.bucket "allow_http" .Values.storage.s3.allowHttp -}}
{{- if .Values.storage.s3.region -}}{{- $_ := set $storage "region" .Values.storage.s3.region -}}{{- end -}}
{{- else if eq .Values.storage.kind "gcs" -}}
{{- $storage = dict "kind" "gcs" "bucket" (required "storage.gcs.bucket is required with gcs storage" .Values.storage.gcs.bucket) -}}
{{- if .Values.storage.gcs.existingSecret -}}{{- $_ := set $storage "key_file" "/etc/mediamagic/gcs/credentials.json" -}}{{- end -}}
{{- end -}}
{{- $chart := dict
  "log" (dict "format" "json" "filter" "info")
  "listen" (dict "host" "0.0.0.0" "media_objects_port" (include "mediamagic.objectsPort" . | int))
  "dev" (dict "data_dir" "/var/lib/mediamagic")
  "media" (dict "public_url" .Values.publicUrl "storage" $storage)
  "jobs" (dict "media_url" $media)
  "worker" (dict
    "enabled" false
    "provided_agent" (dict "name" .Values.worker.agents.name "machine_types" (keys .Values.worker.machineTypes | sortAlpha))
    "driver" "kubernetes"
    "media_url" $media
    "machine_types" .Values.worker.machineTypes
    "kubernetes" (dict
      "namespace" .Values.worker.jobsNamespace
      "transfer_image" .Values.worker.transferImage
      "pod_uid" (.Values.worker.podUid | int)
      "objects_url" $objects))
  "agent" (dict "metrics_listen" "0.0.0.0:9091")
  "compat" (dict "graphql_url" (printf "%s/graphql" (include "mediamagic.url" (dict "root" . "role" "router"))))
-}}
{{- if .Values.tracing.enabled -}}
{{- $_ := set $chart "tracing" (dict "enabled" true "otlp_endpoint" (required "tracing.otlpEndpoint is required when tracing is enabled" .Values.tracing.otlpEndpoint) "sampling_ratio" .Values.tracing.samplingRate) -}}
{{- end -}}
{{- mergeOverwrite $chart (deepCopy .Values.config) | toYaml -}}
{{- end -}}

{{/* The router's config: the image's production.yaml, the chart's subgraph URLs, then routerConfig. */}}
{{- define "mediamagic.routerConfig" -}}
{{- $base := .Files.Get "files/router-production.yaml" | fromYaml -}}
{{- $subgraphs := dict -}}
{{- range $role := list "accounts" "models" "media" "jobs" "worker" "billing" -}}
{{- $_ := set $subgraphs $role (dict "url" (printf "%s/graphql" (include "mediamagic.url" (dict "root" $ "role" $role)))) -}}
{{- end -}}
{{- $chart := dict
  "supergraph" (dict "source" "file" "path" "/usr/share/mediamagic/schema/supergraph.graphql")
  "override_subgraph_urls" (dict "subgraphs" $subgraphs)
-}}
{{- if .Values.persistedDocuments.enabled -}}
{{- $_ := set $chart "persisted_documents" (dict
  "enabled" true
  "require_id" .Values.persistedDocuments.requireId
  "storage" (dict "type" "file" "path" "/etc/mediamagic/persisted/persisted-documents.json" "watch" true)) -}}
{{- end -}}
{{- mergeOverwrite $base $chart (deepCopy .Values.routerConfig) | toYaml -}}
{{- end -}}

{{/* The Secret holding the in-cluster worker agents' token, and its key. */}}
{{- define "mediamagic.agentTokenSecret" -}}
{{- .Values.worker.agents.tokenSecret.existingSecret | default (printf "%s-agent-token" (include "mediamagic.fullname" .)) -}}
{{- end -}}
{{- define "mediamagic.agentTokenKey" -}}
{{- if .Values.worker.agents.tokenSecret.existingSecret -}}{{ .Values.worker.agents.tokenSecret.key }}{{- else -}}token{{- end -}}
{{- end -}}
