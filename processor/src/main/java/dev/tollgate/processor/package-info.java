/** Tollgate's processor: the Envoy ext_proc service for authentication, routing and usage. */
package dev.tollgate.processor;
