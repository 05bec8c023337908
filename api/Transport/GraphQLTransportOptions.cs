namespace Omni.Api.Transport;

/// <summary>
/// Limits of the GraphQL transports (configuration section <c>Omni:GraphQL</c>). They protect the
/// API nodes from oversized, deep or wide documents and from clients holding too many sockets.
/// </summary>
public sealed class GraphQLTransportOptions
{
    public const string SectionName = "Omni:GraphQL";

    /// <summary>Largest POST body or WebSocket message accepted, in bytes.</summary>
    public int MaxRequestBytes { get; set; } = 64 * 1024;

    /// <summary>Deepest field nesting a document may select (graphql-dotnet's complexity analyzer).</summary>
    public int MaxDepth { get; set; } = 12;

    /// <summary>Most aliased fields one document may hold: aliases multiply work without adding depth.</summary>
    public int MaxAliases { get; set; } = 30;

    /// <summary>Highest complexity score graphql-dotnet's complexity analyzer lets through.</summary>
    public int MaxComplexity { get; set; } = 2000;

    public bool EnableIntrospection { get; set; } = true;

    /// <summary>
    /// Total length, in characters, of the valid document texts kept parsed (0: no cache). A parsed
    /// document takes roughly ten times its text's length in memory.
    /// </summary>
    public int DocumentCacheChars { get; set; } = 1_000_000;

    /// <summary>
    /// Automatic persisted queries (<c>extensions.persistedQuery</c>): the texts are remembered by hash in
    /// the document cache, within <see cref="DocumentCacheChars"/>. Off, or with no cache, a hash alone is
    /// answered PERSISTED_QUERY_NOT_SUPPORTED and clients go back to sending texts.
    /// </summary>
    public bool EnablePersistedQueries { get; set; } = true;

    /// <summary>How long a socket may stay open before its <c>connection_init</c> is acknowledged.</summary>
    public TimeSpan ConnectionInitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Concurrent operations on one socket; a further <c>subscribe</c> gets an <c>error</c> message.</summary>
    public int MaxOperationsPerSocket { get; set; } = 50;

    /// <summary>
    /// Open GraphQL sockets per client (its token's subject, else its address: <see cref="IClientRateLimit"/>);
    /// a further upgrade gets HTTP 429, a further <c>connection_init</c> token close 4429.
    /// </summary>
    public int MaxSocketsPerClient { get; set; } = 20;

    /// <summary>
    /// Outgoing messages one socket may have waiting. A subscriber that falls further behind is
    /// disconnected (close 1013) instead of slowing its source or growing the server's memory.
    /// It must also hold the first states the server itself sends at once when operations start:
    /// <c>stockChanged(sku)</c> sends one per location that stocks it (up to 33 in the demo network),
    /// so the demo page's 8 products queue up to 264 at once; at the former 256 a busy node closed
    /// that socket and the page's stock badges stopped moving.
    /// </summary>
    public int SubscriberQueueLimit { get; set; } = 1024;

    internal bool IsValid() =>
        MaxRequestBytes > 0 && MaxDepth > 0 && DocumentCacheChars >= 0 && MaxAliases >= 0 && MaxComplexity > 0
        && ConnectionInitTimeout > TimeSpan.Zero && MaxOperationsPerSocket > 0
        && MaxSocketsPerClient > 0 && SubscriberQueueLimit > 0;
}
