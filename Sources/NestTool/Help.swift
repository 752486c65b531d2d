/// Help text every tool shares.
public enum Help {
    /// The exit statuses, appended to each tool's discussion so `--help` and the man pages carry them.
    public static let exitStatuses = """
        Exit status: 0 everything was done; 1 an object could not be acted on (a rule or a missing object; \
        the others were still done); 64 usage error; 65 malformed input records or a guest image that cannot \
        boot; 66 a missing image or module file; 69 not available (e.g. an External switch); 75 the state store \
        stayed busy past its timeout, try again. With several failures the status is the first one's. vmrun run \
        exits with the guest's status instead. See nestvm(7).
        """
}
