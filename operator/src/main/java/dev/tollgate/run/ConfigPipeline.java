package dev.tollgate.run;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.TranslationReport;
import dev.tollgate.xds.XdsSettings;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every new set of resources into a GatewayModel, publishes its xDS to Envoy and hands the
 * model to the data-plane services (processor, rate-limit service), in that order. A model whose
 * xDS cannot be published is not handed on either, so the services and Envoy never disagree.
 * Thread-safe: applies one change at a time.
 */
public final class ConfigPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigPipeline.class);

  private final XdsSettings settings;
  private final AdsServer ads;
  private final List<Consumer<GatewayModel>> services = new CopyOnWriteArrayList<>();
  private volatile GatewayModel current;

  /** Creates a pipeline publishing to the default node group of an ADS server. */
  public ConfigPipeline(XdsSettings settings, AdsServer ads) {
    this.settings = settings;
    this.ads = ads;
  }

  /** Registers a service that receives every published model. */
  public void addService(Consumer<GatewayModel> service) {
    services.add(service);
    if (current != null) {
      service.accept(current);
    }
  }

  /** Returns the model last published, or null before the first one. */
  public GatewayModel current() {
    return current;
  }

  /** Applies a new set of resources. */
  public synchronized void apply(LoadResult loaded) {
    TranslationReport report = TranslationReport.of(loaded, settings);
    GatewayModel model = report.model();
    if (current != null && current.version().equals(model.version())) {
      return;
    }
    if (report.hasErrors()) {
      for (String line : report.describeErrors().split("\n")) {
        LOG.warn("{}", line.replaceFirst("^error: ", ""));
      }
    }
    try {
      ads.publish(AdsServer.DEFAULT_GROUP, report.xds());
    } catch (IllegalArgumentException e) {
      LOG.error("configuration {} not published: {}", model.version(), e.getMessage());
      return;
    }
    current = model;
    for (Consumer<GatewayModel> service : services) {
      service.accept(model);
    }
    LOG.info(
        "configuration {} live: {} providers, {} routes, {} quotas, {} client keys",
        model.version(),
        model.providers().size(),
        model.routes().size(),
        model.quotas().size(),
        model.clients().size());
  }
}
