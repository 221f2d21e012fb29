// Apache Avro's Java reference implementation, asked about the specification's JSON encoding
// for the interop test (avro-json.java-interop.test.ts), in one JVM for every case.
// Run with the classpath of java-avro-interop.pom.xml: java -cp <classpath> java-avro-interop.java < request.json
//
// Request on stdin, answer on stdout (the shape of python-avro-interop.py's JSON cases):
//   {"fromSpecJson": [{"name", "schema", "json" (Avro JSON text)}],
//    "toSpecJson":   [{"name", "schema", "body" (Avro binary, base64, no framing)}]}
//   → {"fromSpecJson": [{"name", "valid", "body" | "error"}],
//      "toSpecJson":   [{"name", "consumedAll", "json" | "error"}]}
// Logical types are left to the schema's underlying types (no conversions are registered),
// which is what both encodings carry.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonDecoder;
import org.apache.avro.io.JsonEncoder;

public class AvroJsonInterop {
  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    JsonNode request = mapper.readTree(System.in);
    ObjectNode answer = mapper.createObjectNode();
    answer.put("avroVersion", Schema.class.getPackage().getImplementationVersion());

    ArrayNode read = answer.putArray("fromSpecJson");
    for (JsonNode c : request.path("fromSpecJson")) {
      ObjectNode out = read.addObject().put("name", c.get("name").asText());
      try {
        Schema schema = new Schema.Parser().parse(c.get("schema").asText());
        JsonDecoder decoder = DecoderFactory.get().jsonDecoder(schema, c.get("json").asText());
        Object datum = new GenericDatumReader<Object>(schema).read(null, decoder);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<Object>(schema).write(datum, encoder);
        encoder.flush();
        out.put("valid", true).put("body", Base64.getEncoder().encodeToString(bytes.toByteArray()));
      } catch (Exception e) {
        out.put("valid", false).put("error", e.toString());
      }
    }

    ArrayNode written = answer.putArray("toSpecJson");
    for (JsonNode c : request.path("toSpecJson")) {
      ObjectNode out = written.addObject().put("name", c.get("name").asText());
      try {
        Schema schema = new Schema.Parser().parse(c.get("schema").asText());
        BinaryDecoder decoder =
            DecoderFactory.get().binaryDecoder(Base64.getDecoder().decode(c.get("body").asText()), null);
        Object datum = new GenericDatumReader<Object>(schema).read(null, decoder);
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        JsonEncoder encoder = EncoderFactory.get().jsonEncoder(schema, json);
        new GenericDatumWriter<Object>(schema).write(datum, encoder);
        encoder.flush();
        out.put("consumedAll", decoder.isEnd()).put("json", json.toString(StandardCharsets.UTF_8));
      } catch (Exception e) {
        out.put("consumedAll", false).put("error", e.toString());
      }
    }

    mapper.writeValue(System.out, answer);
  }
}
