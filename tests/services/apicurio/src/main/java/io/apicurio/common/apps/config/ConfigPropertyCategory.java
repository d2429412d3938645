package io.apicurio.common.apps.config;

/**
 * The categories Apicurio Registry 3.0.9's settings are filed under (the app's @Info annotations
 * name them). They live in apicurio-registry-config-definitions 3.0.9, which is not on Maven
 * Central; 3.0.6, which is, predates this enum. Only the names matter to the test registry.
 */
public enum ConfigPropertyCategory {
  CATEGORY_NONE,
  CATEGORY_API,
  CATEGORY_AUTH,
  CATEGORY_CACHE,
  CATEGORY_CCOMPAT,
  CATEGORY_DOWNLOAD,
  CATEGORY_GITOPS,
  CATEGORY_HEALTH,
  CATEGORY_IMPORT,
  CATEGORY_LIMITS,
  CATEGORY_REDIRECTS,
  CATEGORY_REST,
  CATEGORY_SEMVER,
  CATEGORY_STORAGE,
  CATEGORY_SYSTEM,
  CATEGORY_UI
}
