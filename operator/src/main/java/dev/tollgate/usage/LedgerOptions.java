package dev.tollgate.usage;

import dev.tollgate.ledger.JdbcLedgerStore;
import dev.tollgate.ledger.LedgerDatabase;
import dev.tollgate.ledger.LedgerSettings;
import dev.tollgate.ledger.LedgerWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The ledger's command-line settings, shared by {@code tollgate run}, {@code tollgate processor}
 * and {@code tollgate usage}: which database, where the spool and the embedded file live, and the
 * retention.
 */
public final class LedgerOptions {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerOptions.class);

  /** The environment variable read for the database password when no file is given. */
  public static final String PASSWORD_ENV = "TOLLGATE_LEDGER_PASSWORD";

  @Option(
      names = "--ledger-database",
      description =
          "JDBC URL of the usage ledger's PostgreSQL database (jdbc:postgresql://host:5432/db)."
              + " Without it, tollgate run keeps an embedded H2 file in --ledger-dir and the"
              + " processor role keeps no ledger.")
  String url;

  @Option(names = "--ledger-user", description = "User of --ledger-database.")
  String user;

  @Option(
      names = "--ledger-password-file",
      description =
          "File holding the password of --ledger-database (else the environment variable "
              + PASSWORD_ENV
              + ").")
  Path passwordFile;

  @Option(
      names = "--ledger-dir",
      description =
          "Folder of the embedded ledger (ledger.mv.db) and of the spool that holds records while"
              + " the database is away. Default: ledger/ in tollgate run's --work-dir; the"
              + " processor role's tollgate-ledger/ in the temporary folder (mount a volume there"
              + " to keep the spool across restarts).")
  Path folder;

  @Option(
      names = "--ledger-retention-months",
      defaultValue = "0",
      description =
          "Months of records kept besides the current one (PostgreSQL drops whole monthly"
              + " partitions); 0 keeps everything. Default: ${DEFAULT-VALUE}.")
  int retentionMonths;

  @Option(
      names = "--no-ledger",
      description = "Keep no usage ledger (tollgate run keeps an embedded one by default).")
  boolean off;

  /**
   * The database to use: {@code --ledger-database}, else the embedded file when {@code
   * embeddedByDefault}, else null (no ledger).
   */
  public LedgerDatabase database(boolean embeddedByDefault, Path defaultFolder) {
    if (folder == null) {
      folder = defaultFolder;
    }
    if (off) {
      return null;
    }
    if (url != null) {
      return new LedgerDatabase(url, user, password(), retentionMonths);
    }
    return embeddedByDefault ? LedgerDatabase.embedded(folder, retentionMonths) : null;
  }

  /**
   * Starts the ledger's writer, or returns null when there is no ledger or its spool folder is held
   * by another process (then the gateway runs without one, and says so).
   */
  public LedgerWriter start(LedgerDatabase database) {
    if (database == null) {
      return null;
    }
    try {
      LedgerWriter writer =
          new LedgerWriter(
              JdbcLedgerStore.lazy(database), LedgerSettings.defaults(folder.resolve("spool")));
      LOG.info("usage ledger: {}, spool in {}", database, folder.resolve("spool"));
      return writer;
    } catch (IllegalStateException | IOException e) {
      LOG.warn("running without a usage ledger: {}", e.getMessage());
      return null;
    }
  }

  private String password() {
    try {
      if (passwordFile != null) {
        return Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read --ledger-password-file " + passwordFile + ": " + e.getMessage());
    }
    return System.getenv(PASSWORD_ENV);
  }
}
