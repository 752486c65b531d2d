import NestStore

/// Asking the person at the terminal before a change they did not spell out.
public enum Prompt {
    /// Whether a question can be asked: only when stdin and stderr are both terminals.
    public static var canAsk: Bool { Environment.isTerminal(0) && Environment.isTerminal(2) }

    /// Asks `question` on stderr and reads a yes or no from stdin (no means no, as does end of input).
    public static func confirm(_ question: String) -> Bool {
        while true {
            Stream.err(question + " [y/N] ")
            guard let answer = readLine()?.trimmingSpaces().lowercased() else { return false }
            if answer == "y" || answer == "yes" { return true }
            if answer.isEmpty || answer == "n" || answer == "no" { return false }
            Stream.err("Please answer y or n.\n")
        }
    }
}
