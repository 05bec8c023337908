using System.Text.Json;
using Omni.Tests.Api.Transport;

namespace Omni.Tests.Api;

/// <summary>Reading graphql-transport-ws messages in the end-to-end tests; every read has the socket's deadline.</summary>
public static class SocketMessages
{
    /// <summary>The data of the next message, which must be a <c>next</c> for <paramref name="id"/>.</summary>
    public static async Task<JsonElement> Next(this TestSocket socket, string id, string field)
    {
        var message = await socket.Receive();
        Assert.True(message.GetProperty("type").GetString() == "next" && message.GetProperty("id").GetString() == id,
            $"expected next for {id}, got {message}");
        var payload = message.GetProperty("payload");
        Assert.False(payload.TryGetProperty("errors", out var errors), $"errors in next: {errors}");
        return payload.GetProperty("data").GetProperty(field);
    }

    /// <summary>Reads <c>next</c> messages until one satisfies <paramref name="done"/>; fails after <paramref name="most"/>.</summary>
    public static async Task<JsonElement> NextUntil(this TestSocket socket, string id, string field, Func<JsonElement, bool> done, int most = 20)
    {
        for (var i = 0; i < most; i++)
        {
            var data = await socket.Next(id, field);
            if (done(data))
            {
                return data;
            }
        }
        throw new Xunit.Sdk.XunitException($"no {field} as expected within {most} messages");
    }

    /// <summary>The codes of the next message, which must be an <c>error</c> for <paramref name="id"/>.</summary>
    public static async Task<IReadOnlyList<string?>> Error(this TestSocket socket, string id)
    {
        var message = await socket.Receive();
        Assert.True(message.GetProperty("type").GetString() == "error" && message.GetProperty("id").GetString() == id,
            $"expected error for {id}, got {message}");
        return [.. message.GetProperty("payload").EnumerateArray()
            .Select(e => e.TryGetProperty("extensions", out var x) && x.TryGetProperty("code", out var code) ? code.GetString() : null)];
    }

    public static int Int(this JsonElement element, string property) => element.GetProperty(property).GetInt32();

    public static string? Str(this JsonElement element, string property) => element.GetProperty(property).GetString();
}
