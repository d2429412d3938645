package io.connectorhub.tests.apicurio;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The list of dynamic (run-time editable) settings, which Apicurio's config-index Quarkus extension
 * builds at build time. That extension's deployment half is not on Maven Central for 3.0.9, so the
 * test registry has none: every setting comes from application.properties.
 */
public class NoDynamicConfig {
  @Produces
  @Singleton
  DynamicConfigPropertyList dynamicConfigProperties() {
    return new DynamicConfigPropertyList(java.util.List.of());
  }
}
