// The receiving side of a WS-Security X.509 signature as Apache WSS4J implements it, for the
// SOAP tests (tests/services/wss4j_check.py). Run in source-launcher mode with the jars that
// .ci/fetch-wss4j puts in .cache/wss4j/<version>/lib:
//
//   java -cp 'lib/*' Wss4jVerifier.java MESSAGE CERT.pem [--part {ns}local]... [--timestamp]
//       verifies one message and exits 0 (OK) or 1 (FAIL)
//   java -cp 'lib/*' Wss4jVerifier.java
//       verifies one message per line of standard input, each line
//       MESSAGE<TAB>CERT.pem<TAB>options (options: space-separated `part={ns}local`, `timestamp`)
//
// Each check prints one line: "OK" followed by tab-separated facts (signed=..., algorithms,
// actions=...), or "FAIL " and WSS4J's error. What is checked, as a service running WSS4J with
// the Signature and Timestamp actions would:
// - WSSecurityEngine.processSecurityHeader with WSS4J's defaults: Basic Security Profile
//   enforcement on, strict Timestamp validation (Created not in the future, not expired), and
//   trust in the signing certificate through a Merlin crypto whose trust store holds CERT only;
// - a Signature result, and a Timestamp result when `timestamp` is asked for;
// - every element named by a part (default: the SOAP Body) is one that a signature reference
//   covers: WSS4J checks the references it finds, a service must check they cover what it needs.

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.namespace.QName;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.wss4j.common.crypto.Merlin;
import org.apache.wss4j.common.ext.WSSecurityException;
import org.apache.wss4j.dom.WSConstants;
import org.apache.wss4j.dom.WSDataRef;
import org.apache.wss4j.dom.engine.WSSConfig;
import org.apache.wss4j.dom.engine.WSSecurityEngine;
import org.apache.wss4j.dom.engine.WSSecurityEngineResult;
import org.apache.wss4j.dom.handler.RequestData;
import org.apache.wss4j.dom.handler.WSHandlerResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public class Wss4jVerifier {

  /** A check that failed for a reason of ours rather than WSS4J's. */
  static class Rejected extends Exception {
    Rejected(String message) {
      super(message);
    }
  }

  record Request(Path message, Path certificate, List<QName> parts, boolean timestamp) {}

  public static void main(String[] args) throws Exception {
    WSSConfig.init();
    if (args.length > 0) {
      String line = verify(fromArguments(args));
      System.out.println(line);
      System.exit(line.startsWith("OK") ? 0 : 1);
    }
    BufferedReader input =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = input.readLine(); line != null; line = input.readLine()) {
      if (line.isBlank()) {
        continue;
      }
      String answer;
      try {
        answer = verify(fromLine(line));
      } catch (IllegalArgumentException badLine) {
        answer = "FAIL bad request line: " + badLine.getMessage();
      }
      System.out.println(oneLine(answer));
      System.out.flush();
    }
  }

  static Request fromArguments(String[] args) {
    if (args.length < 2) {
      throw new IllegalArgumentException(
          "usage: MESSAGE CERT.pem [--part {ns}local]... [--timestamp]");
    }
    List<QName> parts = new ArrayList<>();
    boolean timestamp = false;
    for (int i = 2; i < args.length; i++) {
      if (args[i].equals("--timestamp")) {
        timestamp = true;
      } else if (args[i].equals("--part") && i + 1 < args.length) {
        parts.add(QName.valueOf(args[++i]));
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    return new Request(Path.of(args[0]), Path.of(args[1]), parts, timestamp);
  }

  static Request fromLine(String line) {
    String[] fields = line.split("\t", -1);
    if (fields.length < 2) {
      throw new IllegalArgumentException("expected MESSAGE<TAB>CERT<TAB>options");
    }
    List<QName> parts = new ArrayList<>();
    boolean timestamp = false;
    String options = fields.length > 2 ? fields[2].trim() : "";
    for (String option : options.isEmpty() ? new String[0] : options.split(" +")) {
      if (option.equals("timestamp")) {
        timestamp = true;
      } else if (option.startsWith("part=")) {
        parts.add(QName.valueOf(option.substring("part=".length())));
      } else {
        throw new IllegalArgumentException("unknown option " + option);
      }
    }
    return new Request(Path.of(fields[0]), Path.of(fields[1]), parts, timestamp);
  }

  static String verify(Request request) {
    try {
      return check(request);
    } catch (WSSecurityException e) {
      return "FAIL " + e.getErrorCode() + ": " + e.getMessage();
    } catch (Rejected e) {
      return "FAIL " + e.getMessage();
    } catch (Exception | LinkageError e) {
      // a parse error, an unreadable file, a class WSS4J wanted from a jar left out (SAML)
      return "FAIL " + e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  static String check(Request request) throws Exception {
    Document document = parse(Files.readAllBytes(request.message()));
    RequestData data = new RequestData();
    data.setWssConfig(WSSConfig.getNewInstance());
    data.setSigVerCrypto(trusting(Files.readAllBytes(request.certificate())));
    // WSS4J's defaults, stated because they are what this check is about.
    data.setDisableBSPEnforcement(false);
    data.setTimeStampStrict(true);
    WSHandlerResult result = new WSSecurityEngine().processSecurityHeader(document, data);
    if (result == null) {
      throw new Rejected("no wsse:Security header");
    }
    List<WSSecurityEngineResult> signatures = result.getActionResults().get(WSConstants.SIGN);
    if (signatures == null || signatures.isEmpty()) {
      throw new Rejected("no signature");
    }
    if (request.timestamp() && !result.getActionResults().containsKey(WSConstants.TS)) {
      throw new Rejected("no timestamp");
    }
    Set<Element> covered = Collections.newSetFromMap(new IdentityHashMap<>());
    Set<String> signed = new LinkedHashSet<>();
    Set<String> signatureMethods = new LinkedHashSet<>();
    Set<String> digestMethods = new LinkedHashSet<>();
    for (WSSecurityEngineResult signature : signatures) {
      @SuppressWarnings("unchecked")
      List<WSDataRef> references =
          (List<WSDataRef>) signature.get(WSSecurityEngineResult.TAG_DATA_REF_URIS);
      for (WSDataRef reference : references == null ? List.<WSDataRef>of() : references) {
        covered.add(reference.getProtectedElement());
        signed.add(reference.getName().toString());
        signatureMethods.add(reference.getAlgorithm());
        digestMethods.add(reference.getDigestAlgorithm());
      }
    }
    List<QName> parts = request.parts();
    if (parts.isEmpty()) {
      Element envelope = document.getDocumentElement();
      parts = List.of(new QName(envelope.getNamespaceURI(), "Body"));
    }
    for (QName part : parts) {
      requireCovered(document, part, covered);
    }
    List<String> actions = new ArrayList<>();
    for (WSSecurityEngineResult each : result.getResults()) {
      actions.add(actionName((Integer) each.get(WSSecurityEngineResult.TAG_ACTION)));
    }
    return String.join(
        "\t",
        "OK",
        "signed=" + String.join(",", signed),
        "signatureMethod=" + String.join(",", signatureMethods),
        "digestMethod=" + String.join(",", digestMethods),
        "actions=" + String.join(",", actions));
  }

  /** Every element named PART is covered, so a signed copy elsewhere (wrapping) does not do. */
  static void requireCovered(Document document, QName part, Set<Element> covered)
      throws Rejected {
    NodeList found = document.getElementsByTagNameNS(part.getNamespaceURI(), part.getLocalPart());
    if (found.getLength() == 0) {
      throw new Rejected("required part " + part + " is not in the message");
    }
    for (int i = 0; i < found.getLength(); i++) {
      if (!covered.contains((Element) found.item(i))) {
        throw new Rejected("required part " + part + " is not signed");
      }
    }
  }

  static Merlin trusting(byte[] pem) throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    X509Certificate certificate =
        (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(pem));
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("trusted", certificate);
    Merlin crypto = new Merlin();
    crypto.setTrustStore(store);
    return crypto;
  }

  static Document parse(byte[] message) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    // what a service does with untrusted XML: no DOCTYPE, no external entities
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    return factory.newDocumentBuilder().parse(new ByteArrayInputStream(message));
  }

  static String actionName(int action) {
    return switch (action) {
      case WSConstants.SIGN -> "signature";
      case WSConstants.TS -> "timestamp";
      case WSConstants.BST -> "token";
      case WSConstants.UT -> "usernameToken";
      default -> "action" + action;
    };
  }

  static String oneLine(String text) {
    return text.replace('\r', ' ').replace('\n', ' ');
  }
}
