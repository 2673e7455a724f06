package dev.tollgate.run;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.source.ModelPublisher;
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

  XdsGate(XdsSettings settings, AdsServer ads) {
    this.translator = new XdsTranslator(settings);
    this.ads = ads;
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
      return false;
    }
    return true;
  }
}
