// The pol extension: starts `pol lsp` and connects VS Code to it over stdio.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("pol");
  const command = config.get("path") || "pol";
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  const policy = config.get("policyDirectory") || (folder ? folder.uri.fsPath : undefined);
  const args = policy ? ["lsp", policy] : ["lsp"];
  const serverOptions = { command, args };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "pol" },
      { scheme: "file", pattern: "**/params/*.toml" },
    ],
    initializationOptions: { asOf: config.get("asOf") || "2019-07-01" },
  };
  client = new LanguageClient("pol", "pol", serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
