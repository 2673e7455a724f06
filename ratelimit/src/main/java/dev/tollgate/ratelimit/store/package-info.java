/** Budget counters: one store interface with an in-memory and a Redis implementation. */
package dev.tollgate.ratelimit.store;
