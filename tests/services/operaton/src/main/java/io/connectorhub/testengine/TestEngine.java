package io.connectorhub.testengine;

import java.util.List;

import org.operaton.bpm.engine.ProcessEngine;
import org.operaton.bpm.engine.rest.security.auth.ProcessEngineAuthenticationFilter;
import org.operaton.bpm.engine.rest.security.auth.impl.HttpBasicAuthenticationProvider;
import org.operaton.connect.plugin.impl.ConnectProcessEnginePlugin;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * Operaton (Camunda 7's API) for ConnectorHub's tests: the engine and its REST API at
 * /engine-rest, behind basic authentication so that the worker's credentials are exercised.
 */
@SpringBootApplication
public class TestEngine {

  public static void main(String[] args) {
    SpringApplication.run(TestEngine.class, args);
  }

  /** The starter registers plugin beans but not the connect plugin by itself. */
  @Bean
  public ConnectProcessEnginePlugin connectProcessEnginePlugin() {
    return new ConnectProcessEnginePlugin();
  }

  /** Basic authentication against the engine's users (the admin user of the properties). */
  @Bean
  public FilterRegistrationBean<ProcessEngineAuthenticationFilter> basicAuthentication(
      ProcessEngine engine) {
    FilterRegistrationBean<ProcessEngineAuthenticationFilter> registration =
        new FilterRegistrationBean<>(new ProcessEngineAuthenticationFilter());
    registration.setUrlPatterns(List.of("/engine-rest/*"));
    registration.addInitParameter(
        "authentication-provider", HttpBasicAuthenticationProvider.class.getName());
    return registration;
  }
}
