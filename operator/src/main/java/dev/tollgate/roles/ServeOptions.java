package dev.tollgate.roles;

import picocli.CommandLine.Option;

/**
 * Where a data-plane role listens, besides its gRPC port: the bind address, the probe port and the
 * port of {@code /usage} (the rate-limit service's; the chart opens it to the operator only).
 */
public final class ServeOptions {
  @Option(names = "--address", defaultValue = "0.0.0.0", description = "gRPC bind address.")
  String address = "0.0.0.0";

  @Option(
      names = "--probe-port",
      defaultValue = "8080",
      description = "Port of /healthz, /readyz and /metrics; -1 for none.")
  int probePort = 8080;

  @Option(
      names = "--usage-port",
      defaultValue = "9091",
      description =
          "Port of /usage (the rate-limit service's budget usage, read by the operator's"
              + " --quota-usage-url); -1 for none. Default: 9091.")
  int usagePort = 9091;

  /** Returns the address the gRPC service and the probes bind. */
  public String address() {
    return address;
  }

  /** Returns the port of the role's extra JSON endpoints ({@code /usage}), or -1 for none. */
  public int usagePort() {
    return usagePort;
  }

  /** Returns the probe port, or -1 for none. */
  public int probePort() {
    return probePort;
  }
}
