package io.apicurio.common.apps.config;

import jakarta.enterprise.util.Nonbinding;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The description Apicurio Registry 3.0.9 puts on each setting. Its 3.0.6 version (the one on
 * Maven Central) types `category` as text; 3.0.9's app was compiled against the enum, so this
 * replaces it (.ci/fetch-apicurio removes the 3.0.6 class).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD})
public @interface Info {
  @Nonbinding
  ConfigPropertyCategory category() default ConfigPropertyCategory.CATEGORY_NONE;

  @Nonbinding
  String description() default "";

  @Nonbinding
  String availableSince() default "";

  @Nonbinding
  String registryAvailableSince() default "";

  @Nonbinding
  String studioAvailableSince() default "";

  @Nonbinding
  String[] seeAlso() default {};

  @Nonbinding
  String[] dependsOn() default {};
}
