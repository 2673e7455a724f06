package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard shipped with the chart queries metrics and labels that {@code tollgate run}
 * and its Envoy really export, once traffic of every kind the panels show has passed.
 */
class DashboardQueriesIT {
  static final Path DASHBOARD = TollgateRun.ROOT.resolve("helm/tollgate/dashboards/tollgate.json");
  static final ObjectMapper JSON = new ObjectMapper();

  TollgateRun gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void everyMetricAndLabelTheDashboardQueriesIsExported() throws Exception {
    String text = Files.readString(DASHBOARD);
    // The chart ships the file through .Files.Get; Helm must find nothing to template in it.
    assertThat(text).doesNotContain("{{");
    Map<String, PromQl> queries = queries(JSON.readTree(text));
    assertThat(queries).hasSizeGreaterThan(10);

    gateway =
        TollgateRun.start(
            "budgets",
            Path.of("target/e2e/dashboard").toAbsolutePath(),
            Map.of("ENFORCE_TOKENS", "100"));
    assertThat(post(BudgetIT.CAROL, false).statusCode()).isEqualTo(200);
    HttpResponse<String> stream = post(BudgetIT.CAROL, true);
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.body()).contains("data: [DONE]");
    assertThat(post("tg-e2e-unknown-key-0001", false).statusCode()).isEqualTo(401);
    int status = 200;
    for (int i = 0; i < 20 && status == 200; i++) {
      status = post(BudgetIT.BOB, false).statusCode();
    }
    assertThat(status).as("bob's budget of 100 tokens runs out").isEqualTo(429);

    Set<String> wanted = new TreeSet<>();
    queries.values().forEach(q -> wanted.addAll(q.metrics()));
    // Commits arrive at stream done, after the responses; wait until every series has appeared.
    Map<String, Set<String>> exported = new TreeMap<>();
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                exported.clear();
                exported.putAll(scrape());
                return exported.keySet().containsAll(wanted);
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // The assertions below say which names are missing.
    }

    List<String> problems = new ArrayList<>();
    queries.forEach(
        (query, parsed) -> {
          Set<String> labelsOfQuery = new TreeSet<>();
          boolean complete = true;
          for (String metric : parsed.metrics()) {
            if (!exported.containsKey(metric)) {
              problems.add("metric " + metric + " is not exported; query: " + query);
              complete = false;
            } else {
              labelsOfQuery.addAll(exported.get(metric));
            }
          }
          if (!complete) {
            return;
          }
          parsed
              .selectorLabels()
              .forEach(
                  (metric, labels) -> {
                    for (String label : labels) {
                      if (exported.containsKey(metric) && !exported.get(metric).contains(label)) {
                        problems.add(
                            "label "
                                + label
                                + " is on no series of "
                                + metric
                                + "; query: "
                                + query);
                      }
                    }
                  });
          for (String label : parsed.groupingLabels()) {
            if (!labelsOfQuery.contains(label)) {
              problems.add(
                  "label "
                      + label
                      + " is on no series of "
                      + parsed.metrics()
                      + "; query: "
                      + query);
            }
          }
        });
    assertThat(problems).as("the scraped expositions are in %s", gateway.work).isEmpty();
  }

  private HttpResponse<String> post(String key, boolean stream) {
    return gateway.post("/v1/chat/completions", key, BudgetIT.chat(15, stream), Map.of());
  }

  /** Returns every expression of the dashboard's targets and query variables, parsed. */
  static Map<String, PromQl> queries(JsonNode dashboard) {
    Map<String, PromQl> queries = new TreeMap<>();
    List<JsonNode> panels = new ArrayList<>();
    dashboard.path("panels").forEach(panels::add);
    for (int i = 0; i < panels.size(); i++) {
      panels.get(i).path("panels").forEach(panels::add);
      for (JsonNode target : panels.get(i).path("targets")) {
        String expr = target.path("expr").asText("");
        if (!expr.isBlank()) {
          queries.put(expr, PromQl.parse(expr));
        }
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (!variable.path("type").asText().equals("query")) {
        continue;
      }
      JsonNode query = variable.path("query");
      for (String text :
          List.of(
              query.isTextual() ? query.asText() : query.path("query").asText(""),
              variable.path("definition").asText(""))) {
        if (!text.isBlank()) {
          queries.put(text, PromQl.parse(text));
        }
      }
    }
    return queries;
  }

  /** Returns every series name of both exposition endpoints with the label names it carries. */
  private Map<String, Set<String>> scrape() throws IOException {
    Map<String, Set<String>> series = new TreeMap<>();
    Map<String, String> urls =
        Map.of(
            "metrics.txt", gateway.metricsUrl() + "/metrics",
            "envoy-stats.txt", gateway.envoyAdminUrl() + "/stats/prometheus");
    for (var url : urls.entrySet()) {
      HttpResponse<String> response = TollgateRun.get(url.getValue(), null);
      assertThat(response.statusCode()).as(url.getValue()).isEqualTo(200);
      Files.writeString(gateway.work.resolve(url.getKey()), response.body());
      response.body().lines().forEach(line -> exposition(line, series));
    }
    return series;
  }

  /** Adds one line of the Prometheus text format: {@code name{label="value",...} value}. */
  static void exposition(String line, Map<String, Set<String>> series) {
    if (line.isBlank() || line.startsWith("#")) {
      return;
    }
    int brace = line.indexOf('{');
    int space = line.indexOf(' ');
    boolean labelled = brace >= 0 && (space < 0 || brace < space);
    String name = line.substring(0, labelled ? brace : space).trim();
    Set<String> labels = series.computeIfAbsent(name, n -> new TreeSet<>());
    if (!labelled) {
      return;
    }
    int i = brace + 1;
    while (i < line.length() && line.charAt(i) != '}') {
      int eq = line.indexOf('=', i);
      labels.add(line.substring(i, eq).trim());
      i = eq + 2;
      while (line.charAt(i) != '"') {
        i += line.charAt(i) == '\\' ? 2 : 1;
      }
      i++;
      if (line.charAt(i) == ',') {
        i++;
      }
    }
  }
}
