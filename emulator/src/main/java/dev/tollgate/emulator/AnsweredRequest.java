package dev.tollgate.emulator;

/**
 * A request an {@link EmulatorServer} answered, with the status it answered: what a test asserts
 * when a provider must have refused, failed or served an attempt.
 *
 * @param request the request as received
 * @param status the HTTP status of the answer
 */
public record AnsweredRequest(ReceivedRequest request, int status) {}
