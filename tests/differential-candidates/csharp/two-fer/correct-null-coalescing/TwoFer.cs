// Correct: an optional name that falls back to "you".
public static class TwoFer
{
    public static string Speak(string name = "you") => string.Format("One for {0}, one for me.", name);
}
