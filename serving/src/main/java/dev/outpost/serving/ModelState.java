package dev.outpost.serving;

/** The lifecycle of a model version in a {@link ModelManager}. */
public enum ModelState {
    /** Being loaded. */
    LOADING,
    /** Loaded and taking requests. */
    READY,
    /** Found in the repository and not loaded (never loaded, or unloaded). */
    UNAVAILABLE,
    /** Loading failed; {@link ModelStatus#reason()} says why. The server keeps serving other models. */
    FAILED
}
