using Omni.Api.Hosting;
using Omni.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddOmniOrleansClient();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();

/// <summary>Entry point, visible to tests that host the API.</summary>
public partial class Program;
