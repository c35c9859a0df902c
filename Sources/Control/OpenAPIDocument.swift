/// The admin API as OpenAPI 3.1, served at /openapi.json. A test checks that
/// every route the server has is here and schemathesis checks the server's
/// answers against it.
enum OpenAPIDocument {
    static let text = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Corral control plane: admin API",
            "version": "1.0.0",
            "description": "Create, list, stop and delete containers on the hosts whose agents registered with the control plane. A create, stop or delete answers 202 with a job as soon as the job is durably stored; the job's state then moves received -> scheduled -> running -> succeeded | failed. JSON-RPC 2.0 is served at POST /jrpc."
          },
          "servers": [{"url": "/"}],
          "security": [{"bearer": []}],
          "paths": {
            "/healthz": {
              "get": {
                "operationId": "health", "summary": "Liveness", "security": [],
                "responses": {"200": {"description": "Up", "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"const": "ok"}}, "required": ["status"]}}}}}
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openapi", "summary": "This document", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}
              }
            },
            "/v1/containers": {
              "post": {
                "operationId": "createContainer", "summary": "Create a container (asynchronously)",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": false, "description": "The same key and body give the same job; the same key with another body is 409.", "schema": {"type": "string", "minLength": 1, "maxLength": 255}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ContainerSpec"}}}},
                "responses": {
                  "202": {"description": "Received: the job is stored", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobAccepted"}}}},
                  "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
                  "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"},
                  "422": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/QueueFull"},
                  "503": {"$ref": "#/components/responses/Error"}
                }
              },
              "get": {
                "operationId": "listContainers", "summary": "List containers",
                "parameters": [
                  {"name": "node", "in": "query", "schema": {"type": "string"}},
                  {"name": "state", "in": "query", "schema": {"$ref": "#/components/schemas/ActualState"}},
                  {"name": "label", "in": "query", "description": "key=value; repeat for several", "schema": {"type": "array", "items": {"type": "string", "pattern": "^[^=]+=.*$"}}, "style": "form", "explode": true}
                ],
                "responses": {
                  "200": {"description": "The containers", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ContainerList"}}}},
                  "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
                }
              }
            },
            "/v1/containers/{id}": {
              "parameters": [{"name": "id", "in": "path", "required": true, "description": "The container's id or name", "schema": {"type": "string"}}],
              "get": {
                "operationId": "getContainer", "summary": "One container",
                "responses": {
                  "200": {"description": "The container", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Container"}}}},
                  "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
                }
              },
              "delete": {
                "operationId": "deleteContainer", "summary": "Delete a container (asynchronously)",
                "responses": {
                  "202": {"description": "Received", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobAccepted"}}}},
                  "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"},
                  "429": {"$ref": "#/components/responses/QueueFull"}, "503": {"$ref": "#/components/responses/Error"}
                }
              }
            },
            "/v1/containers/{id}/stop": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "post": {
                "operationId": "stopContainer", "summary": "Stop a container (asynchronously)",
                "responses": {
                  "202": {"description": "Received", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobAccepted"}}}},
                  "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"},
                  "429": {"$ref": "#/components/responses/QueueFull"}, "503": {"$ref": "#/components/responses/Error"}
                }
              }
            },
            "/v1/jobs/{id}": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "get": {
                "operationId": "getJob", "summary": "One job",
                "responses": {
                  "200": {"description": "The job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                  "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
                }
              }
            },
            "/v1/nodes": {
              "get": {
                "operationId": "listNodes", "summary": "The nodes, with capacity, state and last heartbeat",
                "responses": {
                  "200": {"description": "The nodes", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NodeList"}}}},
                  "401": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
                }
              }
            },
            "/v1/nodes/{id}/drain": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "post": {
                "operationId": "drainNode", "summary": "Drain a node (enabled=false lets it take work again)",
                "parameters": [{"name": "enabled", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}}],
                "responses": {
                  "200": {"description": "The node", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}},
                  "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}
                }
              }
            },
            "/jrpc": {
              "post": {
                "operationId": "jsonRPC", "summary": "JSON-RPC 2.0: ContainerService.Create, .Status, .List, .Stop, .Delete",
                "requestBody": {"required": false, "description": "A request object or a batch; anything else is answered with the specification's error (-32700, -32600), with status 200", "content": {"application/json": {"schema": {}}}},
                "responses": {
                  "200": {"description": "A response object, or an array of them for a batch", "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/RPCResponse"}, {"type": "array", "items": {"$ref": "#/components/schemas/RPCResponse"}, "minItems": 1}]}}}},
                  "204": {"description": "Only notifications: nothing to answer"},
                  "401": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}
                }
              }
            }
          },
          "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "The token in <state>/admin.token"}},
            "responses": {
              "Error": {"description": "What was wrong", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "QueueFull": {"description": "Too many jobs wait; try again after Retry-After seconds", "headers": {"Retry-After": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            },
            "schemas": {
              "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
              "StringMap": {"type": "object", "additionalProperties": {"type": "string"}},
              "ContainerSpec": {
                "type": "object", "required": ["image"], "description": "A member given as null is as if absent.",
                "properties": {
                  "image": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}(?!\\n)$"},
                  "arguments": {"type": ["array", "null"], "items": {"type": "string"}},
                  "env": {"type": ["object", "null"], "additionalProperties": {"type": "string"}, "propertyNames": {"pattern": "^[^=]+$"}},
                  "labels": {"type": ["object", "null"], "additionalProperties": {"type": "string"}, "propertyNames": {"pattern": "^(?!corral\\.)|^corral\\.class(?!\\n)$"}, "description": "corral.* labels are Corral's own; only corral.class may be set"},
                  "name": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}(?!\\n)$"},
                  "cpus": {"type": ["number", "null"], "minimum": 0, "maximum": 1024},
                  "memory_bytes": {"type": ["integer", "null"], "minimum": 0, "maximum": 9223372036854775807},
                  "node_labels": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
                  "runtime": {"type": ["string", "null"]},
                  "strategy": {"enum": ["spread", "binpack", null]},
                  "network": {"enum": ["none", "bridge", null], "description": "bridge: an address of its own on its node's bridge (boxes: runtime native)"},
                  "ports": {"type": ["array", "null"], "items": {"$ref": "#/components/schemas/PublishedPort"}, "description": "published on its node; they put it on the bridge"}
                },
                "allOf": [
                  {"if": {"required": ["network"], "properties": {"network": {"const": "none"}}}, "then": {"properties": {"ports": {"type": ["array", "null"], "maxItems": 0}}}},
                  {
                    "if": {"anyOf": [{"required": ["network"], "properties": {"network": {"const": "bridge"}}}, {"required": ["ports"], "properties": {"ports": {"type": "array", "minItems": 1}}}]},
                    "then": {"properties": {"runtime": {"enum": ["native", null]}}}
                  }
                ]
              },
              "PublishedPort": {
                "type": "object", "required": ["host_port", "container_port"],
                "properties": {
                  "host_port": {"type": "integer", "minimum": 1, "maximum": 65535},
                  "container_port": {"type": "integer", "minimum": 1, "maximum": 65535},
                  "protocol": {"enum": ["tcp", "udp", null]},
                  "host_address": {"type": ["string", "null"], "pattern": "^(([01]?[0-9]?[0-9]|2[0-4][0-9]|25[0-5])\\.){3}([01]?[0-9]?[0-9]|2[0-4][0-9]|25[0-5])(?!\\n)$"}
                }
              },
              "ActualState": {"type": "string", "enum": ["pending", "running", "stopped", "exited", "lost"]},
              "Container": {
                "type": "object",
                "required": ["id", "name", "spec", "desired", "actual", "created_at", "updated_at"],
                "properties": {
                  "id": {"type": "string"}, "name": {"type": "string"}, "spec": {"$ref": "#/components/schemas/ContainerSpec"},
                  "node": {"type": "string"}, "desired": {"type": "string", "enum": ["running", "stopped", "deleted"]},
                  "actual": {"$ref": "#/components/schemas/ActualState"}, "runtime_id": {"type": "string"}, "exit_code": {"type": "integer"},
                  "reason": {"type": "string"}, "address": {"type": "string", "description": "on its node's bridge"},
                  "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}
                }
              },
              "ContainerList": {"type": "object", "required": ["containers"], "properties": {"containers": {"type": "array", "items": {"$ref": "#/components/schemas/Container"}}}},
              "JobAccepted": {
                "type": "object", "required": ["job_id", "container_id", "state"],
                "properties": {"job_id": {"type": "string"}, "container_id": {"type": "string"}, "state": {"$ref": "#/components/schemas/JobState"}}
              },
              "JobState": {"type": "string", "enum": ["received", "scheduled", "running", "succeeded", "failed"]},
              "Job": {
                "type": "object", "required": ["id", "kind", "container_id", "state", "attempts", "created_at", "updated_at"],
                "properties": {
                  "id": {"type": "string"}, "kind": {"type": "string", "enum": ["create", "stop", "delete"]}, "container_id": {"type": "string"},
                  "state": {"$ref": "#/components/schemas/JobState"}, "reason": {"type": "string"}, "node": {"type": "string"},
                  "attempts": {"type": "integer", "minimum": 0}, "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}
                }
              },
              "Resources": {
                "type": "object", "required": ["millicpus", "memory_bytes", "containers"],
                "properties": {"millicpus": {"type": "integer"}, "memory_bytes": {"type": "integer"}, "containers": {"type": "integer"}}
              },
              "Node": {
                "type": "object", "required": ["id", "runtime", "labels", "state", "capacity", "allocated", "running", "last_heartbeat", "registered_at"],
                "properties": {
                  "id": {"type": "string"}, "runtime": {"type": "string"}, "labels": {"$ref": "#/components/schemas/StringMap"},
                  "state": {"type": "string", "enum": ["ready", "draining", "down"]},
                  "capacity": {"$ref": "#/components/schemas/Resources"}, "allocated": {"$ref": "#/components/schemas/Resources"},
                  "running": {"type": "integer", "minimum": 0},
                  "last_heartbeat": {"type": "string", "format": "date-time"}, "registered_at": {"type": "string", "format": "date-time"}
                }
              },
              "NodeList": {"type": "object", "required": ["nodes"], "properties": {"nodes": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}},
              "RPCResponse": {
                "type": "object", "required": ["jsonrpc", "id"],
                "properties": {
                  "jsonrpc": {"const": "2.0"},
                  "id": {"type": ["string", "number", "null"]},
                  "result": {},
                  "error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "integer"}, "message": {"type": "string"}, "data": {}}}
                },
                "oneOf": [{"required": ["result"]}, {"required": ["error"]}]
              }
            }
          }
        }
        """#
}
