package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocationsTest {

    @Test
    void fromEnvironment_defaultsToSharedBesideTheCheckout() {
        Locations locations = Locations.fromEnvironment(Map.of("OUTPOST_HOME", "/opt/outpost"));
        assertThat(locations.models()).isEqualTo(Path.of("/opt/shared/models"));
        assertThat(locations.data()).isEqualTo(Path.of("/opt/shared/data"));
    }

    @Test
    void fromEnvironment_takesTheSettings() {
        Locations locations = Locations.fromEnvironment(Map.of("OUTPOST_HOME", "/opt/outpost",
                "OUTPOST_MODELS", "/srv/models", "OUTPOST_DATA", "/srv/data/../labeled"));
        assertThat(locations.models()).isEqualTo(Path.of("/srv/models"));
        assertThat(locations.data()).isEqualTo(Path.of("/srv/labeled"));
    }

    @Test
    void fromEnvironment_anEmptySettingCountsAsUnset_asInTheScripts() {
        Locations locations = Locations.fromEnvironment(Map.of("OUTPOST_HOME", "/opt/outpost",
                "OUTPOST_MODELS", "", "OUTPOST_DATA", " "));
        assertThat(locations.models()).isEqualTo(Path.of("/opt/shared/models"));
        assertThat(locations.data()).isEqualTo(Path.of("/opt/shared/data"));
    }
}
