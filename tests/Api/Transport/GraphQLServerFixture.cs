namespace Omni.Tests.Api.Transport;

/// <summary>One server with the default limits, shared by a test class.</summary>
public sealed class GraphQLServerFixture : IAsyncLifetime
{
    private GraphQLTestServer? _server;

    public GraphQLTestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync() => _server = await GraphQLTestServer.Start();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
