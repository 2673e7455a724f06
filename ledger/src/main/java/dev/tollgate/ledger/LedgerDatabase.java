package dev.tollgate.ledger;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to reach the ledger's database.
 *
 * @param url a {@code jdbc:postgresql:} URL, or {@code jdbc:h2:file:} for the embedded ledger
 * @param user the database user, or null
 * @param password the password, or null; never logged
 * @param retentionMonths months kept besides the current one; 0 keeps everything
 */
public record LedgerDatabase(String url, String user, String password, int retentionMonths) {

  /** Checks the URL names a database the ledger has migrations for. */
  public LedgerDatabase {
    Objects.requireNonNull(url, "url");
    if (!url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:h2:")) {
      throw new IllegalArgumentException(
          "ledger database URL must start with jdbc:postgresql: (or jdbc:h2: for the embedded"
              + " ledger), got "
              + url.replaceAll("[?;].*", "")
              + "...");
    }
    if (retentionMonths < 0) {
      throw new IllegalArgumentException("retention months must be 0 or more: " + retentionMonths);
    }
  }

  /** The embedded ledger: an H2 database file {@code ledger.mv.db} in {@code folder}. */
  public static LedgerDatabase embedded(Path folder, int retentionMonths) {
    return new LedgerDatabase(
        "jdbc:h2:file:" + folder.toAbsolutePath().resolve("ledger") + ";MODE=PostgreSQL",
        null,
        null,
        retentionMonths);
  }

  /** Whether this is a PostgreSQL database (partitioned), else the embedded H2 file. */
  public boolean postgres() {
    return url.startsWith("jdbc:postgresql:");
  }

  @Override
  public String toString() {
    return "LedgerDatabase[" + url.replaceAll("[?;].*", "") + ", user=" + user + "]";
  }
}
