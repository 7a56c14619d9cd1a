{{/* Names and labels. */}}
{{- define "shipflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "shipflow.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "shipflow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "shipflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "shipflow.tag" . | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: shipflow
{{- end }}

{{/* Selector labels of one component (serve, worker, migrate): call with (list $ "serve"). */}}
{{- define "shipflow.selectorLabels" -}}
{{- $ := index . 0 }}
app.kubernetes.io/name: {{ include "shipflow.name" $ }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "shipflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "shipflow.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "shipflow.tag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "shipflow.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "shipflow.tag" .) }}
{{- end }}
{{- end }}

{{/*
The settings that are secrets (config/config.go marks them; DATABASE_URL holds a password,
TEMPORAL_API_KEY and SHIPFLOW_PAYLOAD_KEYS are keys): the chart refuses them as plain values.
deploy/helm's test keeps this list equal to the binary's.
*/}}
{{- define "shipflow.secretSettings" -}}
DATABASE_URL
TEMPORAL_API_KEY
SHIPFLOW_PAYLOAD_KEYS
SHIPFLOW_SECRET_KEYS
SHIPFLOW_ADMIN_TOKENS
SHIPFLOW_VOICE_TOKENS
SHIPFLOW_ZAPIER_API_KEYS
SHIPFLOW_VOICE_DRIVER_TOKENS
SHIPFLOW_COMMERCE_WEBHOOK_SECRET
SHIPFLOW_COMMERCE_WEBHOOK_SECRET_PREVIOUS
SHIPFLOW_CARRIER_WEBHOOK_SECRET
SHIPFLOW_CARRIER_WEBHOOK_SECRET_PREVIOUS
SHOPIFY_WEBHOOK_SECRET
SHOPIFY_WEBHOOK_SECRET_PREVIOUS
WOOCOMMERCE_WEBHOOK_SECRET
WOOCOMMERCE_WEBHOOK_SECRET_PREVIOUS
MAGENTO_ACCESS_TOKEN
AFTERSHIP_WEBHOOK_SECRET
AFTERSHIP_WEBHOOK_SECRET_PREVIOUS
EASYPOST_WEBHOOK_SECRET
EASYPOST_WEBHOOK_SECRET_PREVIOUS
TWILIO_ACCOUNT_SID
TWILIO_AUTH_TOKEN
TWILIO_AUTH_TOKEN_PREVIOUS
SENDGRID_API_KEY
SENDGRID_WEBHOOK_PUBLIC_KEY
SENDGRID_WEBHOOK_PUBLIC_KEY_PREVIOUS
MAILGUN_API_KEY
MAILGUN_WEBHOOK_SIGNING_KEY
MAILGUN_WEBHOOK_SIGNING_KEY_PREVIOUS
ONESIGNAL_API_KEY
WHATSAPP_CLOUD_ACCESS_TOKEN
WHATSAPP_CLOUD_APP_SECRET
WHATSAPP_CLOUD_APP_SECRET_PREVIOUS
WHATSAPP_CLOUD_VERIFY_TOKEN
SLACK_WEBHOOK_URL
TEAMS_WEBHOOK_URL
GOOGLE_CHAT_WEBHOOK_URL
ZENDESK_API_TOKEN
FRESHDESK_API_KEY
AFTERSHIP_API_KEY
EASYPOST_API_KEY
SHIPENGINE_API_KEY
SHIPFLOW_TRACKING_SECRET
VAPI_WEBHOOK_SECRET
RETELL_API_KEY
{{- end }}

{{/*
The container environment of one component: call with (list $ "serve"). Plain settings are
built as one map (structured values first, then env, then the component's env) so a variable
is set once; secrets come only from Secrets.
*/}}
{{- define "shipflow.env" -}}
{{- $ := index . 0 }}
{{- $component := index . 1 }}
{{- $v := $.Values }}
{{- $secretNames := splitList "\n" (include "shipflow.secretSettings" $) }}
{{- $plain := dict "TEMPORAL_ADDRESS" $v.temporal.address "TEMPORAL_NAMESPACE" $v.temporal.namespace "SHIPFLOW_TASK_QUEUE" $v.temporal.taskQueue "SHIPFLOW_LOG_LEVEL" $v.logLevel }}
{{- with $v.publicURL }}{{ $_ := set $plain "SHIPFLOW_PUBLIC_URL" . }}{{ end }}
{{- with $v.trustedProxies }}{{ $_ := set $plain "SHIPFLOW_TRUSTED_PROXIES" . }}{{ end }}
{{- with $v.temporal.tls }}
{{- if .existingSecret }}
{{- if .certKey }}{{ $_ := set $plain "TEMPORAL_TLS_CERT" (printf "%s/%s" .mountPath .certKey) }}{{ end }}
{{- if .keyKey }}{{ $_ := set $plain "TEMPORAL_TLS_KEY" (printf "%s/%s" .mountPath .keyKey) }}{{ end }}
{{- if .caKey }}{{ $_ := set $plain "TEMPORAL_TLS_CA" (printf "%s/%s" .mountPath .caKey) }}{{ end }}
{{- end }}
{{- with .serverName }}{{ $_ := set $plain "TEMPORAL_TLS_SERVER_NAME" . }}{{ end }}
{{- end }}
{{- if eq $component "serve" }}{{ $_ := set $plain "SHIPFLOW_HTTP_ADDR" (printf ":%v" $v.serve.port) }}{{ end }}
{{- if and (eq $component "serve") $v.serve.voiceMTLS.enabled }}
{{- with $v.serve.voiceMTLS }}
{{- $dir := .mountPath }}
{{- $_ := required "serve.voiceMTLS.existingSecret: the Secret of the listener's certificate, key and client CA" .existingSecret }}
{{- $_ := set $plain "SHIPFLOW_VOICE_MTLS_ADDR" (printf ":%v" .port) }}
{{- $_ := set $plain "SHIPFLOW_VOICE_TLS_CERT" (printf "%s/%s" $dir .certKey) }}
{{- $_ := set $plain "SHIPFLOW_VOICE_TLS_KEY" (printf "%s/%s" $dir .keyKey) }}
{{- $_ := set $plain "SHIPFLOW_VOICE_CLIENT_CA" (printf "%s/%s" $dir .caKey) }}
{{- $_ := set $plain "SHIPFLOW_VOICE_MTLS_MODE" .mode }}
{{- $_ := set $plain "SHIPFLOW_VOICE_MTLS_ONLY" (toString .only) }}
{{- with .clientNames }}{{ $_ := set $plain "SHIPFLOW_VOICE_CLIENT_NAMES" . }}{{ end }}
{{- end }}
{{- end }}
{{- if eq $component "worker" }}{{ $_ := set $plain "SHIPFLOW_METRICS_ADDR" (printf ":%v" $v.worker.metricsPort) }}{{ end }}
{{- range $name, $value := merge (dict) (index $v $component).env $v.env }}
{{- if has $name $secretNames }}
{{- fail (printf "%s is a secret: put it in the Secret named by secrets.existingSecret (or secrets.env), not in env" $name) }}
{{- end }}
{{- /* YAML numbers arrive as floats: 1000000 would print as 1e+06. */}}
{{- if and (kindIs "float64" $value) (eq $value (floor $value)) }}
{{- $value = int64 $value }}
{{- end }}
{{- $_ := set $plain $name (toString $value) }}
{{- end }}
{{- range $name, $value := $plain }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- with $v.temporal.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $v.temporal.apiKey.key }}
{{- end }}
{{- with $v.payloadKeys.existingSecret }}
- name: SHIPFLOW_PAYLOAD_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $v.payloadKeys.key }}
{{- end }}
{{- range $name, $ref := $v.secrets.env }}
{{- if hasKey $plain $name }}
{{- fail (printf "%s is set both in secrets.env and as a plain value" $name) }}
{{- end }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "secrets.env.%s.name" $name) $ref.name }}
      key: {{ required (printf "secrets.env.%s.key" $name) $ref.key }}
{{- end }}
{{- /* The Go runtime collects harder as the heap nears the container's memory limit, rather
than being killed at it. */}}
- name: GOMEMLIMIT
  valueFrom:
    resourceFieldRef:
      resource: limits.memory
{{- end }}

{{- define "shipflow.envFrom" -}}
{{- with .Values.secrets.existingSecret }}
envFrom:
  - secretRef:
      name: {{ . }}
{{- end }}
{{- end }}

{{/* Mounts every container has: a writable /tmp (the root filesystem is read-only) and the
Temporal TLS files. A whole-directory mount, never subPath, so Secret updates reach the files. */}}
{{- define "shipflow.volumeMounts" -}}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- if .Values.temporal.tls.existingSecret }}
  - name: temporal-tls
    mountPath: {{ .Values.temporal.tls.mountPath }}
    readOnly: true
{{- end }}
{{- end }}

{{- define "shipflow.volumes" -}}
volumes:
  - name: tmp
    emptyDir:
      medium: Memory
      sizeLimit: 64Mi
{{- with .Values.temporal.tls.existingSecret }}
  - name: temporal-tls
    secret:
      secretName: {{ . }}
      defaultMode: 0440
{{- end }}
{{- end }}

{{/* The pod-level settings every shipflow pod shares. */}}
{{- define "shipflow.podSpec" -}}
serviceAccountName: {{ include "shipflow.serviceAccountName" . }}
automountServiceAccountToken: false
# Service links would put variables such as SHIPFLOW_PORT into the environment the
# configuration is read from.
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Scheduling values of one component: call with its values. */}}
{{- define "shipflow.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "shipflow.metricsAnnotations" -}}
{{- $ := index . 0 }}
{{- if $.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ index . 1 | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end }}
