using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Omni.Api.Hosting;
using Omni.Api.Transport;
using Orleans.Runtime;
using Orleans.Serialization;

namespace Omni.Tests.Api.Transport;

/// <summary>
/// DESIGN rule 12: whatever the cluster throws, a client sees a stable code (UNAVAILABLE when the
/// same call may be retried with the same id, INTERNAL otherwise) and a generic message, never the
/// exception's type or text. The transports are wired as the API wires them, with its
/// <see cref="ClusterFailures"/>.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class ClusterFailureTests : IAsyncLifetime
{
    private const string Secret = "secret runtime detail";
    private GraphQLTestServer? _server;

    private GraphQLTestServer Server => _server!;

    public async Task InitializeAsync() =>
        _server = await GraphQLTestServer.Start(services: s => s.AddSingleton<IRetryableFailures, ClusterFailures>());

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>What <c>failsWith(failure:)</c> throws in <see cref="TestSchema"/>.</summary>
    public static Exception Failure(string failure) => failure switch
    {
        "silo" => new SiloUnavailableException(Secret),
        "timeout" => new TimeoutException(Secret),
        "rejection" => Internal<OrleansMessageRejectionException>(Secret),
        "inventory" => new InventoryUnavailableException(),
        // What the API receives when the silo throws a type the API does not reference.
        "inventory-remote" => RemoteFallback("Omni.Inventory.InventoryUnavailableException, Omni.Grains"),
        "wrapped" => new AggregateException(new TimeoutException(Secret)),
        "bug" => new InvalidOperationException(Secret),
        "codec" => new Orleans.Serialization.CodecNotFoundException(Secret),
        _ => new ArgumentOutOfRangeException(nameof(failure), Secret),
    };

    [Theory]
    [InlineData("silo", "UNAVAILABLE")]
    [InlineData("timeout", "UNAVAILABLE")]
    [InlineData("rejection", "UNAVAILABLE")]
    [InlineData("inventory", "UNAVAILABLE")]
    [InlineData("inventory-remote", "UNAVAILABLE")]
    [InlineData("wrapped", "UNAVAILABLE")]
    [InlineData("bug", "INTERNAL")]
    [InlineData("codec", "INTERNAL")]
    public async Task Over_http_a_failure_is_a_stable_code_with_a_generic_message(string failure, string code)
    {
        using var response = await Server.PostQuery("query($f: String!) { hello failsWith(failure: $f) }", new { f = failure });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("Hello, world!", body.GetProperty("data").GetProperty("hello").GetString());
        var error = body.GetProperty("errors").EnumerateArray().Single();
        Assert.Equal(code, GraphQLHttpTransportTests.Code(error));
        AssertNothingInternal(text);
    }

    [Theory]
    [InlineData("rejection", "UNAVAILABLE")]
    [InlineData("bug", "INTERNAL")]
    public async Task Over_a_socket_a_failure_is_the_same_stable_code(string failure, string code)
    {
        await using var socket = await Server.Connect();
        await socket.Initialise();

        await socket.Subscribe("f", "query($f: String!) { failsWith(failure: $f) }", new { f = failure });

        var text = await socket.ReceiveText();
        AssertNothingInternal(text!);
        var next = JsonDocument.Parse(text!).RootElement;
        Assert.Equal("next", next.GetProperty("type").GetString());
        Assert.Equal(code, GraphQLHttpTransportTests.Code(next.GetProperty("payload").GetProperty("errors")[0]));
    }

    private static void AssertNothingInternal(string text)
    {
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Orleans", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Error trying to resolve", text, StringComparison.Ordinal);
        Assert.DoesNotContain("REJECTION", text, StringComparison.Ordinal);
        Assert.DoesNotContain("TIMEOUT", text, StringComparison.Ordinal);
    }

    /// <summary>Orleans makes some of its exceptions only inside its own assemblies.</summary>
    private static T Internal<T>(string message) where T : Exception =>
        (T)Activator.CreateInstance(typeof(T), BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, null, [message], null)!;

    private static UnavailableExceptionFallbackException RemoteFallback(string typeName)
    {
        var fallback = new UnavailableExceptionFallbackException();
        typeof(UnavailableExceptionFallbackException).GetField("<ExceptionType>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic)!
            .SetValue(fallback, typeName);
        Assert.Equal(typeName, fallback.ExceptionType);
        return fallback;
    }

    /// <summary>Stands in for the grains' type of that name, which the API matches by name only.</summary>
    private sealed class InventoryUnavailableException() : Exception(Secret);
}
