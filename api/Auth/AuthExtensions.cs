using Microsoft.AspNetCore.Authentication.JwtBearer;
using Omni.Api.Schema;
using Omni.Api.Transport;

namespace Omni.Api.Auth;

public static partial class AuthExtensions
{
    /// <summary>
    /// JWT bearer authentication with the key from <c>Omni:Auth</c>, and the same validation for
    /// tokens sent in a WebSocket's <c>connection_init</c>. Throws when no key is configured and
    /// dev tokens are off: a node that cannot check tokens must not start.
    /// </summary>
    public static WebApplicationBuilder AddOmniAuth(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        var tokens = OmniTokens.Create(options);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton<IConnectionInitAuthenticator, BearerConnectionInitAuthenticator>();
        var tokenHandler = new CachingTokenHandler();
        builder.Services.AddSingleton(_ => tokenHandler); // made by a factory, so the container disposes it
        builder.Services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt =>
            {
                // Claims keep their JWT names (sub, role, store) on HTTP as on WebSocket.
                jwt.MapInboundClaims = false;
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(tokenHandler);
                jwt.TokenValidationParameters = tokens.ValidationParameters;
                jwt.Events = new JwtBearerEvents
                {
                    // The GraphQL endpoint admits anonymous callers, so a bad token would otherwise pass
                    // as none: a signed-in shopper with an expired token would silently get an anonymous
                    // session. Marking it lets the schema answer UNAUTHENTICATED instead.
                    OnAuthenticationFailed = context =>
                    {
                        context.Principal = Caller.RejectedTokenPrincipal();
                        context.Success();
                        return Task.CompletedTask;
                    },
                };
            });
        return builder;
    }

    /// <summary>
    /// <c>POST /dev/token</c>: <c>{"role":"CUSTOMER","customerId":"c1"}</c>, <c>{"role":"STAFF","storeId":"s1"}</c>
    /// or <c>{"role":"OPS"}</c> returns <c>{"token":"..."}</c>. Mapped only when <c>Omni:Auth:DevTokens</c> is true.
    /// </summary>
    public static WebApplication MapDevTokens(this WebApplication app)
    {
        var tokens = app.Services.GetRequiredService<OmniTokens>();
        if (!tokens.Options.DevTokens)
        {
            return app;
        }
        LogDevTokens(app.Logger, tokens.KeyGenerated
            ? "tokens are signed with a random key of this process: they are not accepted by other API nodes or after a restart"
            : "tokens are signed with the configured key");
        app.MapPost("/dev/token", (DevTokenRequest request) => request.Validate() is { } problem
            ? Results.BadRequest(new { error = problem })
            : Results.Ok(new { token = tokens.Issue(request.ParsedRole!.Value, request.CustomerId, request.StoreId, tokens.Options.DevTokenLifetime) }));
        return app;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "POST /dev/token hands out tokens for any role (Omni:Auth:DevTokens); {KeyNote}")]
    private static partial void LogDevTokens(ILogger logger, string keyNote);
}

/// <summary>The body of <c>POST /dev/token</c>.</summary>
public sealed record DevTokenRequest(string? Role, string? CustomerId, string? StoreId)
{
    public Role? ParsedRole => Role switch
    {
        nameof(Auth.Role.CUSTOMER) => Auth.Role.CUSTOMER,
        nameof(Auth.Role.STAFF) => Auth.Role.STAFF,
        nameof(Auth.Role.OPS) => Auth.Role.OPS,
        _ => null,
    };

    /// <summary>What is wrong with the request, or null.</summary>
    public string? Validate() => ParsedRole switch
    {
        null => "role must be CUSTOMER, STAFF or OPS",
        // The subject and store become grain keys: the same id grammar as every GraphQL argument.
        Auth.Role.CUSTOMER when CustomerId is not { Length: > 0 } || !IdGrammar.IsValidId(CustomerId) => $"a CUSTOMER token needs a customerId of 1 to {Limits.MaxIdLength} printable characters",
        Auth.Role.STAFF when StoreId is not { Length: > 0 } || !IdGrammar.IsValidId(StoreId) => $"a STAFF token needs a storeId of 1 to {Limits.MaxIdLength} printable characters",
        Auth.Role.CUSTOMER when StoreId is not null => "a CUSTOMER token has no storeId",
        Auth.Role.STAFF when CustomerId is not null => "a STAFF token has no customerId",
        Auth.Role.OPS when CustomerId is not null || StoreId is not null => "an OPS token has neither customerId nor storeId",
        _ => null,
    };
}
