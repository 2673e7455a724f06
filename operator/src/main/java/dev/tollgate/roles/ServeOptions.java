package dev.tollgate.roles;

import picocli.CommandLine.Option;

/** Where a data-plane role listens, besides its gRPC port: the bind address and the probe port. */
public final class ServeOptions {
  @Option(names = "--address", defaultValue = "0.0.0.0", description = "gRPC bind address.")
  String address = "0.0.0.0";

  @Option(
      names = "--probe-port",
      defaultValue = "8080",
      description = "Port of /healthz, /readyz and /metrics; -1 for none.")
  int probePort = 8080;

  /** Returns the address the gRPC service and the probes bind. */
  public String address() {
    return address;
  }

  /** Returns the probe port, or -1 for none. */
  public int probePort() {
    return probePort;
  }
}
