using Omni.Api.Auth;
using Omni.Api.Bench;
using Omni.Api.Demo;
using Omni.Api.GraphiQL;
using Omni.Api.Hosting;
using Omni.Api.Schema;
using Omni.Api.Transport;
using Omni.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddOmniOrleansClient();
builder.AddOmniAuth();
builder.AddOmniRateLimiting();
builder.Services.AddOmniSchema();
builder.Services.AddGraphQLTransport(builder.Configuration.GetSection(GraphQLTransportOptions.SectionName));

var app = builder.Build();
app.UseAuthentication();
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapDevTokens();
app.UseGraphiQL("/graphql");
app.MapGraphQL("/graphql");
app.MapBenchEndpoints();
app.MapDemo(devTokensEnabled: app.Configuration.GetValue<bool>("Omni:Auth:DevTokens"));
await app.RunAsync();

/// <summary>Entry point, visible to tests that host the API.</summary>
public partial class Program;
