package dev.outpost.optimizer.eval;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * COCO detection ground truth: an instances JSON ({@code images} with {@code id} and {@code file_name},
 * {@code annotations} with {@code image_id}, {@code category_id} and {@code bbox} as
 * {@code [x, y, width, height]} in pixels, {@code categories} with {@code id} and {@code name}). Class
 * indices follow the categories sorted by id, which for COCO's 80 categories (ids 1 to 90 with gaps) is
 * the order of the 80-class detectors (YOLO, YOLOX, SSD). Crowd annotations ({@code iscrowd} 1) mark
 * regions, not objects, and are left out. Internal.
 */
final class CocoAnnotations {

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private CocoAnnotations() {
    }

    /**
     * The instances JSON of a data folder with images: {@code annotations.json}, {@code instances*.json}
     * or {@code _annotations.coco.json} in it, or {@code instances*.json} in its {@code annotations/}.
     */
    static Optional<Path> find(Path folder) {
        List<Path> candidates = new ArrayList<>();
        for (Path dir : List.of(folder, folder.resolve("annotations"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> entries = Files.list(dir)) {
                entries.filter(Files::isRegularFile).filter(path -> {
                    String name = path.getFileName().toString();
                    return name.equals("annotations.json") || name.equals("_annotations.coco.json")
                            || name.startsWith("instances") && name.endsWith(".json");
                }).sorted().forEach(candidates::add);
            } catch (IOException e) {
                throw DataReader.bad("Cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
        if (candidates.size() > 1) {
            throw DataReader.bad("Data folder " + folder + " has " + candidates.size() + " COCO annotation files "
                    + candidates.stream().map(path -> folder.relativize(path).toString()).toList()
                    + "; give the one to use as the data (--data FILE.json)");
        }
        return candidates.stream().findFirst();
    }

    /** Lists the images of an instances JSON with their boxes; images resolve against images/ or the JSON's folder. */
    static DataReader.Listing list(Path file) {
        Path json = file.toAbsolutePath();
        Parsed parsed = parse(json);
        Path root = json.getParent().getFileName() != null && json.getParent().getFileName().toString().equals("annotations")
                ? json.getParent().getParent() : json.getParent();
        List<Integer> categoryIds = new ArrayList<>(parsed.categories.keySet());
        Map<Integer, Integer> classIndex = new HashMap<>();
        for (int i = 0; i < categoryIds.size(); i++) {
            classIndex.put(categoryIds.get(i), i);
        }
        Map<Long, List<double[]>> byImage = new HashMap<>();
        for (Annotation annotation : parsed.annotations) {
            if (!parsed.images.containsKey(annotation.imageId)) {
                throw DataReader.bad(json + ": an annotation refers to image_id " + annotation.imageId
                        + ", which is not among the file's images");
            }
            Integer index = classIndex.get(annotation.categoryId);
            if (index == null) {
                throw DataReader.bad(json + ": an annotation of image_id " + annotation.imageId + " has category_id "
                        + annotation.categoryId + ", which is not among the file's categories " + categoryIds);
            }
            if (!annotation.crowd) {
                byImage.computeIfAbsent(annotation.imageId, id -> new ArrayList<>()).add(new double[] {index,
                        annotation.bbox[0], annotation.bbox[1], annotation.bbox[2], annotation.bbox[3]});
            }
        }
        List<DataReader.Pending> samples = new ArrayList<>();
        parsed.images.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(entry -> {
            Path image = resolve(root, json, entry.getValue());
            List<double[]> boxes = byImage.getOrDefault(entry.getKey(), List.of());
            samples.add(new DataReader.Pending(entry.getValue(), -1, Optional.of((width, height) -> boxes(boxes)),
                    () -> DataReader.decode(image)));
        });
        if (samples.isEmpty()) {
            throw DataReader.bad(json + " lists no images; expected a COCO instances file with 'images'");
        }
        List<String> names = categoryIds.stream().map(parsed.categories::get).toList();
        return new DataReader.Listing(DataFormat.COCO_JSON, names, names.size(), false, samples);
    }

    private static List<Box> boxes(List<double[]> boxes) {
        List<Box> result = new ArrayList<>(boxes.size());
        for (double[] box : boxes) {
            result.add(new Box((int) box[0], box[1], box[2], box[1] + box[3], box[2] + box[4]));
        }
        return result;
    }

    private static Path resolve(Path root, Path json, String fileName) {
        for (Path candidate : List.of(root.resolve("images").resolve(fileName), root.resolve(fileName),
                json.resolveSibling(fileName))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw DataReader.bad(json + " lists image '" + fileName + "', which is neither in " + root.resolve("images")
                + " nor in " + root);
    }

    private record Annotation(long imageId, int categoryId, double[] bbox, boolean crowd) {
    }

    private static final class Parsed {
        private final Map<Long, String> images = new HashMap<>();
        private final TreeMap<Integer, String> categories = new TreeMap<>();
        private final List<Annotation> annotations = new ArrayList<>();
    }

    private static Parsed parse(Path json) {
        Parsed parsed = new Parsed();
        try (JsonParser parser = JSON.createParser(json.toFile())) {
            expect(parser.nextToken() == JsonToken.START_OBJECT, json, "the file is not a JSON object");
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "images" -> objects(parser, value, json, "images", object -> {
                        long id = number(object, "id", json, "images").longValue();
                        Object name = object.get("file_name");
                        expect(name instanceof String, json, "an entry of 'images' has no string 'file_name'");
                        parsed.images.put(id, (String) name);
                    });
                    case "categories" -> objects(parser, value, json, "categories", object -> {
                        int id = number(object, "id", json, "categories").intValue();
                        Object name = object.get("name");
                        parsed.categories.put(id, name instanceof String text ? text : String.valueOf(id));
                    });
                    case "annotations" -> objects(parser, value, json, "annotations", object -> {
                        long imageId = number(object, "image_id", json, "annotations").longValue();
                        int categoryId = number(object, "category_id", json, "annotations").intValue();
                        Object bbox = object.get("bbox");
                        expect(bbox instanceof List<?> list && list.size() == 4
                                && list.stream().allMatch(Number.class::isInstance), json, "the annotation of image_id "
                                + imageId + " has bbox " + bbox + "; expected [x, y, width, height]");
                        double[] box = ((List<?>) bbox).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
                        expect(box[2] >= 0 && box[3] >= 0 && Double.isFinite(box[0] + box[1] + box[2] + box[3]), json,
                                "the annotation of image_id " + imageId + " has bbox " + bbox
                                        + "; expected a finite box with width and height >= 0");
                        Object crowd = object.get("iscrowd");
                        parsed.annotations.add(new Annotation(imageId, categoryId, box,
                                crowd instanceof Number n && n.intValue() == 1));
                    });
                    default -> parser.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            throw DataReader.bad(json + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw DataReader.bad("Cannot read " + json + ": " + e.getMessage(), e);
        }
        expect(!parsed.categories.isEmpty(), json, "no 'categories'; a COCO instances file names its classes there");
        return parsed;
    }

    /** Reads an array of flat objects (nested arrays of numbers kept as lists), handing each to {@code each}. */
    private static void objects(JsonParser parser, JsonToken value, Path json, String field,
            java.util.function.Consumer<Map<String, Object>> each) throws IOException {
        expect(value == JsonToken.START_ARRAY, json, "'" + field + "' is not an array");
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            expect(parser.currentToken() == JsonToken.START_OBJECT, json, "an entry of '" + field + "' is not an object");
            Map<String, Object> object = new HashMap<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = parser.currentName();
                JsonToken token = parser.nextToken();
                switch (token) {
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> object.put(key, parser.getNumberValue());
                    case VALUE_STRING -> object.put(key, parser.getText());
                    case START_ARRAY -> {
                        List<Object> list = new ArrayList<>();
                        while (parser.nextToken() != JsonToken.END_ARRAY) {
                            if (parser.currentToken().isNumeric()) {
                                list.add(parser.getNumberValue());
                            } else {
                                list.add(parser.getText());
                                parser.skipChildren();
                            }
                        }
                        object.put(key, list);
                    }
                    default -> parser.skipChildren();
                }
            }
            each.accept(object);
        }
    }

    private static Number number(Map<String, Object> object, String key, Path json, String field) {
        Object value = object.get(key);
        expect(value instanceof Number, json, "an entry of '" + field + "' has no number '" + key + "' (" + object + ")");
        return (Number) value;
    }

    private static void expect(boolean condition, Path json, String problem) {
        if (!condition) {
            throw DataReader.bad(json + " is not a COCO instances file: " + problem);
        }
    }
}
