{{/* Name of the chart, overridable. */}}
{{- define "tollgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every object's name. */}}
{{- define "tollgate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains (include "tollgate.name" .) .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "tollgate.name" .) | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object; call with (dict "root" $ "component" "operator"). */}}
{{- define "tollgate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: tollgate
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "tollgate.selectorLabels" . }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels a component's Pods are selected by. */}}
{{- define "tollgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tollgate.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Name of a component's objects: (dict "root" $ "component" "processor"). */}}
{{- define "tollgate.componentName" -}}
{{- printf "%s-%s" (include "tollgate.fullname" .root) .component -}}
{{- end -}}

{{/* The Tollgate image reference. */}}
{{- define "tollgate.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Pod security context of every component: non-root, no privilege, default seccomp. */}}
{{- define "tollgate.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container security context of every component: read-only root file system, no capabilities. */}}
{{- define "tollgate.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Service host:port of a component's gRPC service, as Envoy reaches it. */}}
{{- define "tollgate.grpcAddress" -}}
{{- printf "%s.%s.svc:%d" (include "tollgate.componentName" (dict "root" .root "component" .component)) .root.Release.Namespace (int .port) -}}
{{- end -}}

{{/* --namespaces and --secret-selector, shared by the operator, processor and rate-limit service. */}}
{{- define "tollgate.watchArgs" -}}
{{- with .Values.watch.namespaces }}
- --namespaces={{ join "," . }}
{{- end }}
{{- with .Values.watch.secretSelector }}
- --secret-selector={{ . }}
{{- end }}
{{- /* Where ModelProviders may point: the same for all three, so that they build one model. */}}
{{- $pp := .Values.providerPolicy }}
{{- if not (has "*" $pp.namespaces) }}
- --provider-namespaces={{ prepend $pp.namespaces .Release.Namespace | uniq | join "," }}
{{- end }}
{{- with $pp.endpoints }}
- {{ printf "--provider-endpoints=%s" (join "," .) | quote }}
{{- end }}
{{- if $pp.onlyListed }}
- --only-listed-provider-endpoints
{{- end }}
- --platform-namespaces={{ prepend .Values.platformNamespaces .Release.Namespace | uniq | join "," }}
{{- end -}}

{{/* Environment of every JVM role: Pod identity (for Events) and JVM options. */}}
{{- define "tollgate.javaEnv" -}}
- name: POD_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.name}}
- name: POD_NAMESPACE
  valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
- name: POD_UID
  valueFrom: {fieldRef: {fieldPath: metadata.uid}}
- name: JAVA_TOOL_OPTIONS
  value: {{ .javaOptions | quote }}
- name: TOLLGATE_LOG_LEVEL
  value: {{ .logLevel | quote }}
{{- end -}}

{{/* Probes of every JVM role on its probe port (named http). */}}
{{- define "tollgate.javaProbes" -}}
startupProbe:
  httpGet: {path: /readyz, port: http}
  periodSeconds: 2
  failureThreshold: 90
readinessProbe:
  httpGet: {path: /readyz, port: http}
  periodSeconds: 5
livenessProbe:
  httpGet: {path: /healthz, port: http}
  periodSeconds: 10
  failureThreshold: 3
{{- end -}}

{{/* The Redis URL the rate-limit service uses, empty for the memory store. */}}
{{- define "tollgate.redisUrl" -}}
{{- if .Values.rateLimit.redis.url -}}
{{- .Values.rateLimit.redis.url -}}
{{- else if .Values.redis.bundled.enabled -}}
{{- printf "redis://%s.%s.svc:6379" (include "tollgate.componentName" (dict "root" . "component" "redis")) .Release.Namespace -}}
{{- end -}}
{{- end -}}

{{/* Whether the rate-limit service keeps budgets in Redis. */}}
{{- define "tollgate.usesRedis" -}}
{{- if or .Values.rateLimit.redis.url .Values.rateLimit.redis.urlSecret.name .Values.redis.bundled.enabled -}}true{{- end -}}
{{- end -}}

{{/* The Secret of a component's internal mutual-TLS certificate (internalTls). */}}
{{- define "tollgate.tlsSecret" -}}
{{- printf "%s-tls" (include "tollgate.componentName" (dict "root" .root "component" .component)) -}}
{{- end -}}

{{/* The DNS names of a component's Service, which its server certificate names. */}}
{{- define "tollgate.serviceDnsNames" -}}
{{- $svc := include "tollgate.componentName" (dict "root" .root "component" .component) -}}
{{- printf "%s.%s.svc,%s.%s.svc.cluster.local" $svc .root.Release.Namespace $svc .root.Release.Namespace -}}
{{- end -}}

{{/* Where Envoy finds its client certificate and the SDS files naming it (ServiceTls). */}}
{{- define "tollgate.envoyTlsDir" -}}/etc/tollgate/service-tls{{- end -}}
{{- define "tollgate.envoySdsDir" -}}/etc/tollgate/service-sds{{- end -}}

{{/* Where Envoy finds the CA of the OpenTelemetry Collector (tracing.caSecret). */}}
{{- define "tollgate.otlpCaDir" -}}/etc/tollgate/otlp-ca{{- end -}}
{{- define "tollgate.otlpCaFile" -}}{{ include "tollgate.otlpCaDir" . }}/ca.crt{{- end -}}
{{- define "tollgate.otlpClientDir" -}}/etc/tollgate/otlp-client{{- end -}}
