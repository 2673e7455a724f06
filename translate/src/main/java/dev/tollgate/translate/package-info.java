/**
 * Pure translation between model APIs: a client speaks one API, the backend of an attempt another.
 * Start at {@link dev.tollgate.translate.RequestTranslator}: it turns a client request body into a
 * {@link dev.tollgate.translate.Translation}, which holds the backend's request body and translates
 * that backend's answer back, whole ({@link dev.tollgate.translate.Translation#response}) or as an
 * event stream fed chunk by chunk ({@link dev.tollgate.translate.StreamTranslator}). What cannot be
 * translated faithfully is refused with {@link dev.tollgate.translate.UntranslatableRequest}. No
 * Envoy, no gRPC, no I/O: bytes and JSON trees in, bytes out.
 */
package dev.tollgate.translate;
