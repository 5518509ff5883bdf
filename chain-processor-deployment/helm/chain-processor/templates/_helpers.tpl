{{/* Names, labels, images, security contexts and the database environment, shared by every template. */}}

{{- define "cp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cp.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* cp.labels: (dict "root" $ "component" "api") */}}
{{- define "cp.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: chain-processor
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "cp.selectorLabels" . }}
{{- end -}}

{{- define "cp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cp.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* cp.image: (dict "root" $ "image" .Values.api.image) - our images share registry and tag. */}}
{{- define "cp.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .image.repository (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{- define "cp.secretName" -}}
{{- default (include "cp.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "cp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cp.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Restricted Pod Security Standard: pod level. (dict "uid" 10001 ["seccomp" profile]) */}}
{{- define "cp.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  {{- toYaml (default (dict "type" "RuntimeDefault") .seccomp) | nindent 2 }}
{{- end -}}

{{/* Restricted Pod Security Standard: container level. */}}
{{- define "cp.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- define "cp.databaseHost" -}}
{{- if eq .Values.database.mode "bundled" -}}
{{- printf "%s-postgresql" (include "cp.fullname" .) -}}
{{- else -}}
{{- .Values.database.external.host -}}
{{- end -}}
{{- end -}}

{{- define "cp.databasePort" -}}
{{- if eq .Values.database.mode "bundled" -}}5432{{- else -}}{{ .Values.database.external.port }}{{- end -}}
{{- end -}}

{{- define "cp.databaseSslmode" -}}
{{- if eq .Values.database.mode "bundled" -}}disable{{- else -}}{{ .Values.database.external.sslmode }}{{- end -}}
{{- end -}}

{{/* DATABASE_USER and DATABASE_PASSWORD, which the URLs below expand with $(VAR). */}}
{{- define "cp.databaseCredentialsEnv" -}}
- name: DATABASE_USER
  value: {{ .Values.database.user | quote }}
- name: DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "cp.secretName" . }}
      key: database-password
{{- end -}}

{{/* Straight to PostgreSQL: migrations and the executor's LISTEN connection. */}}
{{- define "cp.databaseDirectUrl" -}}
{{- printf "postgresql://$(DATABASE_USER):$(DATABASE_PASSWORD)@%s:%s/%s?sslmode=%s" (include "cp.databaseHost" .) (include "cp.databasePort" .) .Values.database.name (include "cp.databaseSslmode" .) -}}
{{- end -}}

{{/* Through PgBouncer (transaction pooling): every other connection. */}}
{{- define "cp.databasePooledEnv" -}}
{{ include "cp.databaseCredentialsEnv" . }}
- name: DATABASE_URL
  value: {{ printf "postgresql://$(DATABASE_USER):$(DATABASE_PASSWORD)@%s-pgbouncer:%v/%s" (include "cp.fullname" .) .Values.pgbouncer.port .Values.database.name | quote }}
- name: DATABASE_PGBOUNCER
  value: "true"
{{- end -}}

{{- define "cp.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ default "256Mi" .sizeLimit }}
{{- end -}}

{{/* A PodDisruptionBudget only protects something when more than one replica may run. */}}
{{- define "cp.wantsPdb" -}}
{{- $min := .replicaCount -}}
{{- if and .autoscaling .autoscaling.enabled -}}{{- $min = .autoscaling.minReplicas -}}{{- end -}}
{{- if gt (int $min) 1 -}}true{{- end -}}
{{- end -}}
