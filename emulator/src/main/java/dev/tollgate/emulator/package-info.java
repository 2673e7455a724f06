/**
 * Provider emulators: HTTP servers that behave like the real provider APIs, refusals included, so
 * that the demo upstream and the tests cannot hide a request the real provider would refuse.
 */
package dev.tollgate.emulator;
