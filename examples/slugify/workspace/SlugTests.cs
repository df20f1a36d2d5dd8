public class SlugTests
{
    [Theory]
    [InlineData("Hello, World!", "hello-world")]
    [InlineData("  leading and trailing  ", "leading-and-trailing")]
    [InlineData("C# is #1", "c-is-1")]
    [InlineData("Crème brûlée", "creme-brulee")]
    [InlineData("already-a-slug", "already-a-slug")]
    [InlineData("many   spaces---and dashes", "many-spaces-and-dashes")]
    public void Turns_titles_into_slugs(string title, string expected)
    {
        Assert.Equal(expected, Slug.From(title));
    }

    [Fact]
    public void A_title_without_letters_or_digits_gives_the_empty_string()
    {
        Assert.Equal("", Slug.From("?!? ..."));
    }

    [Fact]
    public void The_result_is_lower_case()
    {
        Assert.Equal("abc", Slug.From("ABC"));
    }
}
