using GraphQL;
using Omni.Api.Auth;

namespace Omni.Api.Schema;

/// <summary>What every resolver needs from its request: the cluster and who is calling.</summary>
public static class ResolveFieldContextExtensions
{
    public static IClusterClient Grains(this IResolveFieldContext context) =>
        context.RequestServices!.GetRequiredService<IClusterClient>();

    public static T Service<T>(this IResolveFieldContext context) where T : notnull =>
        context.RequestServices!.GetRequiredService<T>();

    public static Caller Caller(this IResolveFieldContext context) => Auth.Caller.From(context.User);

    /// <summary>Who the request counts against for the API's limits (<see cref="Transport.GraphQLUserContext"/>).</summary>
    public static string? Client(this IResolveFieldContext context) => (context.UserContext as Transport.GraphQLUserContext)?.Client;

    /// <summary>A GUID id argument; null when it is not one (the API answers as for an unknown id).</summary>
    public static Guid? GuidArgument(this IResolveFieldContext context, string name) =>
        Guid.TryParse(context.GetArgument<string>(name), out var id) ? id : null;

    /// <summary>The list of ids as GraphQL hands it over.</summary>
    public static IReadOnlyList<string> IdListArgument(this IResolveFieldContext context, string name) =>
        context.GetArgument<List<string>>(name) ?? [];
}
