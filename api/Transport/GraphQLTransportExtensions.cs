using GraphQL;

namespace Omni.Api.Transport;

public static class GraphQLTransportExtensions
{
    /// <summary>
    /// Registers the GraphQL transports and their limits (<paramref name="section"/>, normally
    /// <c>Omni:GraphQL</c>). They execute whatever <see cref="GraphQL.Types.ISchema"/> is registered,
    /// e.g. through <c>services.AddGraphQL(b => b.AddSchema&lt;T&gt;())</c>.
    /// </summary>
    public static IServiceCollection AddGraphQLTransport(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<GraphQLTransportOptions>()
            .Bind(section)
            .Validate(o => o.IsValid(), $"{GraphQLTransportOptions.SectionName}: every limit must be positive.")
            .ValidateOnStart();
        // graphql-dotnet registers its defaults only where nothing is registered yet, so this composes
        // with the schema's own AddGraphQL call in either order.
        services.AddGraphQL(graphQL => graphQL
            .AddSystemTextJson(json => json.Converters.Add(new ExecutionResultWriter()))
            .AddErrorInfoProvider(errors => errors.ExposeExceptionDetails = false));
        services.AddSingleton<ClientFailures>();
        services.AddSingleton<GraphQLDocumentCache>();
        services.AddSingleton<GraphQL.DI.IConfigureExecution>(sp => sp.GetRequiredService<GraphQLDocumentCache>());
        services.AddSingleton<GraphQLRequestExecutor>();
        services.AddSingleton<GraphQLHttpHandler>();
        services.AddSingleton<GraphQLWebSocketHandler>();
        return services;
    }

    /// <summary>
    /// Serves GraphQL over HTTP and over WebSocket (graphql-transport-ws) on the same path. The
    /// WebSocket middleware runs in this endpoint's own branch, so the host need not add it.
    /// </summary>
    public static IEndpointRouteBuilder MapGraphQL(this IEndpointRouteBuilder app, string path = "/graphql")
    {
        var http = app.ServiceProvider.GetRequiredService<GraphQLHttpHandler>();
        var webSockets = app.ServiceProvider.GetRequiredService<GraphQLWebSocketHandler>();
        var branch = app.CreateApplicationBuilder();
        branch.UseWebSockets();
        branch.Run(context => context.WebSockets.IsWebSocketRequest ? webSockets.HandleAsync(context) : http.HandleAsync(context));
        app.Map(path, branch.Build()).WithDisplayName("GraphQL");
        return app;
    }
}
