{{- /*
The usage ledger of the processor role, and the operator's audit trail in the same database
(ledger/README.md): the database connection comes from the Secret ledger.database.secretName (keys url, user, password by default) as environment variables,
never as plain values; the spool that holds records while the database is away gets a volume of
its own. Nothing here renders without ledger.database.secretName.
*/ -}}

{{- define "tollgate.ledgerArgs" -}}
{{- if .Values.ledger.database.secretName }}
# The usage ledger in PostgreSQL; URL and user from the Secret (see env).
- --ledger-database=$(TOLLGATE_LEDGER_URL)
- --ledger-user=$(TOLLGATE_LEDGER_USER)
- --ledger-dir=/var/lib/tollgate/ledger
- --ledger-retention-months={{ int .Values.ledger.retentionMonths }}
{{- end }}
{{- end -}}

{{- define "tollgate.auditArgs" -}}
{{- if .Values.ledger.database.secretName }}
# The audit trail of published configuration (with Envoy's ACK/NACK) in the ledger's database,
# and the ledger's reports (/usage/report, /audit) on a port of their own.
- --ledger-database=$(TOLLGATE_LEDGER_URL)
- --ledger-user=$(TOLLGATE_LEDGER_USER)
- --usage-port=9091
{{- end }}
{{- end -}}

{{- define "tollgate.ledgerEnv" -}}
{{- with .Values.ledger.database }}
{{- if .secretName }}
- name: TOLLGATE_LEDGER_URL
  valueFrom:
    secretKeyRef: {name: {{ .secretName }}, key: {{ .urlKey }}}
- name: TOLLGATE_LEDGER_USER
  valueFrom:
    secretKeyRef: {name: {{ .secretName }}, key: {{ .userKey }}}
- name: TOLLGATE_LEDGER_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ .secretName }}, key: {{ .passwordKey }}}
{{- end }}
{{- end }}
{{- end -}}

{{- define "tollgate.ledgerVolumeMounts" -}}
{{- if .Values.ledger.database.secretName }}
- {name: ledger-spool, mountPath: /var/lib/tollgate/ledger}
{{- end }}
{{- end -}}

{{- define "tollgate.ledgerVolumes" -}}
{{- if .Values.ledger.database.secretName }}
# The spool is bounded to 1 GiB; the limit leaves room for the segment being written.
- name: ledger-spool
  emptyDir: {sizeLimit: {{ .Values.ledger.spool.sizeLimit }}}
{{- end }}
{{- end -}}
