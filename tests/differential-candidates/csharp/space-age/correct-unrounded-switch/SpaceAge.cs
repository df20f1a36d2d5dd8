// Correct, in a different style: no rounding (the tests compare to two places), orbital periods in a switch.
public class SpaceAge(int seconds)
{
    private const double EarthYearSeconds = 31_557_600.0;

    private double On(string planet) => seconds / EarthYearSeconds / planet switch
    {
        "Mercury" => 0.2408467,
        "Venus" => 0.61519726,
        "Mars" => 1.8808158,
        "Jupiter" => 11.862615,
        "Saturn" => 29.447498,
        "Uranus" => 84.016846,
        "Neptune" => 164.79132,
        _ => 1.0,
    };

    public double OnEarth() => On("Earth");

    public double OnMercury() => On("Mercury");

    public double OnVenus() => On("Venus");

    public double OnMars() => On("Mars");

    public double OnJupiter() => On("Jupiter");

    public double OnSaturn() => On("Saturn");

    public double OnUranus() => On("Uranus");

    public double OnNeptune() => On("Neptune");
}
