package dev.tollgate.run;

import dev.tollgate.ledger.ConfigAudit;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.source.ModelPublisher;
import dev.tollgate.operator.ConfigAuditTrail;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.TranslationReport;
import dev.tollgate.xds.XdsSettings;
import dev.tollgate.xds.XdsTranslator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate of {@code tollgate run}'s publisher: publishes each new version's xDS to the default
 * node group of the local ADS server and logs the resources that are not accepted or resolved. A
 * version whose xDS cannot be published does not reach the processor and rate-limit service, so
 * they and Envoy never disagree. Called on the publisher's thread.
 */
final class XdsGate implements ModelPublisher.Gate {
  private static final Logger LOG = LoggerFactory.getLogger(XdsGate.class);

  private final XdsTranslator translator;
  private final AdsServer ads;
  private final java.time.Clock clock;
  private volatile ConfigAudit audit = ConfigAudit.NONE;
  private GatewayModel published;

  XdsGate(XdsSettings settings, AdsServer ads, java.time.Clock clock) {
    this.translator = new XdsTranslator(settings);
    this.ads = ads;
    this.clock = clock;
  }

  /** Hands every version published from now on, and every one refused, to {@code audit}. */
  void auditTo(ConfigAudit audit) {
    this.audit = audit;
  }

  @Override
  public boolean admit(ModelPublisher.Build build) {
    if (!build.newVersion()) {
      return false;
    }
    GatewayModel model = build.model();
    // Load errors are the folder's to report (FolderWatcher logs them on every change).
    TranslationReport report = new TranslationReport(List.of(), model, translator.translate(model));
    if (report.hasErrors()) {
      for (String line : report.describeErrors().split("\n")) {
        LOG.warn("{}", line.replaceFirst("^error: ", ""));
      }
    }
    try {
      ads.publish(AdsServer.DEFAULT_GROUP, report.xds());
    } catch (IllegalArgumentException e) {
      LOG.error("configuration {} not published: {}", model.version(), e.getMessage());
      audit(build, e.getMessage());
      return false;
    }
    audit(build, null);
    published = model;
    return true;
  }

  private void audit(ModelPublisher.Build build, String problem) {
    audit.published(
        ConfigAuditTrail.record(
            published,
            build.model(),
            build.snapshot(),
            AdsServer.DEFAULT_GROUP,
            problem,
            clock.instant()));
  }
}
