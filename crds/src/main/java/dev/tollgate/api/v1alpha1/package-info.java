/**
 * Tollgate's API types, group {@code tollgate.dev}, version {@code v1alpha1}.
 *
 * <p>The types are plain data holders with public fields: Jackson and the CRD generator read them
 * as they are, and code that consumes them reads defaults through the model module's accessors
 * ({@code dev.tollgate.model.Defaults}) instead of mutating a spec. Every field carries a
 * {@code @JsonPropertyDescription}, which becomes the text of {@code kubectl explain}.
 */
package dev.tollgate.api.v1alpha1;
