using Npgsql;
using Omni.Silo.Hosting;

namespace Omni.Tests.Foundation;

[Trait("Tier", "Unit")]
public sealed class OmniDataSourceTests
{
    [Fact]
    public async Task Connections_keep_their_session_and_prepare_frequent_statements_by_default()
    {
        await using var dataSource = OmniDataSource.Create("Host=127.0.0.1;Username=omni;Database=omni");

        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.True(settings.NoResetOnClose);
        Assert.Equal(32, settings.MaxAutoPrepare);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;No Reset On Close=false;Max Auto Prepare=0")]
    [InlineData("Host=127.0.0.1;noresetonclose=false;maxautoprepare=0")]
    public async Task What_the_connection_string_says_wins(string connectionString)
    {
        await using var dataSource = OmniDataSource.Create(connectionString);

        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Assert.False(settings.NoResetOnClose);
        Assert.Equal(0, settings.MaxAutoPrepare);
    }
}
