public static class Slug
{
    public static string From(string title)
    {
        throw new NotImplementedException("Implement Slug.From");
    }
}
