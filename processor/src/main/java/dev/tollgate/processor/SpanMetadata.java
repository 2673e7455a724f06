package dev.tollgate.processor;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.tollgate.model.Wire;

/**
 * The dynamic metadata only the gateway's span reads: the OpenTelemetry provider name of the
 * provider that served and the model its response names. Envoy reads them, with the usage and the
 * requested model beside them, when it finishes the span (see the envoy-xds {@code
 * ListenerTracing}). Pure functions.
 */
final class SpanMetadata {
  private SpanMetadata() {}

  /**
   * Returns Tollgate's metadata with the span's response fields added.
   *
   * @param metadata metadata under Tollgate's namespace, as {@link ExtProcMessages#wrap} makes it
   * @param system the {@code gen_ai.provider.name} of the provider that served, or null
   * @param responseModel the model the response names, or null
   */
  static Struct withResponse(Struct metadata, String system, String responseModel) {
    if (system == null && responseModel == null) {
      return metadata;
    }
    Struct.Builder fields =
        metadata
            .getFieldsOrDefault(Wire.METADATA_NAMESPACE, Value.getDefaultInstance())
            .getStructValue()
            .toBuilder();
    if (system != null) {
      ExtProcMessages.put(fields, Wire.PROVIDER_SYSTEM, system);
    }
    if (responseModel != null) {
      ExtProcMessages.put(fields, Wire.RESPONSE_MODEL, responseModel);
    }
    return ExtProcMessages.wrap(fields);
  }
}
