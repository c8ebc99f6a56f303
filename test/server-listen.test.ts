/**
 * Where Python, Go and Rust servers listen, read by pattern: the variable the port comes from, its
 * default, a literal port, and "found but unreadable" (no guess).
 */
import { describe, expect, it } from 'vitest';
import { goRoutes, patternListens } from '../src/repo/serverListen.js';

const py = (text: string) => patternListens('app.py', text, 'python');
const go = (text: string) => patternListens('main.go', text, 'go');
const rs = (text: string) => patternListens('main.rs', text, 'rust');

describe('Python', () => {
  it('aiohttp web.run_app with a literal port is fixed on it', () => {
    expect(py('from aiohttp import web\napp = web.Application()\nweb.run_app(app, host="0.0.0.0", port=8005)\n')).toMatchObject([{ port: 8005, envVar: null, line: 3 }]);
  });
  it('os.environ[...] with no default: the variable, no port', () => {
    expect(py('import os, uvicorn\nuvicorn.run("main:app", host="0.0.0.0", port=int(os.environ["APP_PORT"]))\n')).toMatchObject([{ port: null, envVar: 'APP_PORT' }]);
  });
  it('os.getenv with a default, through an assignment', () => {
    expect(py("PORT = int(os.getenv('LISTEN_PORT', '8000'))\nif __name__ == '__main__':\n    uvicorn.run(app, port=PORT)\n")).toMatchObject([{ port: 8000, envVar: 'LISTEN_PORT' }]);
  });
  it('Flask app.run reading PORT', () => {
    expect(py('app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 5000)))\n')).toMatchObject([{ port: 5000, envVar: 'PORT' }]);
  });
  it('a settings field is found but not guessed', () => {
    expect(py('uvicorn.run(app, port=settings.port)\n')).toMatchObject([{ port: null, envVar: null }]);
  });
  it('a comment is not a call', () => {
    expect(py('# web.run_app(app, port=8005)\n')).toEqual([]);
  });
});

describe('Go', () => {
  it('a getEnv helper with an address default', () => {
    const src = 'package main\n\nfunc main() {\n\taddr := getEnv("SERVER_ADDRESS", ":8082")\n\tlog.Fatal(http.ListenAndServe(addr, router))\n}\n';
    expect(go(src)).toMatchObject([{ port: 8082, envVar: 'SERVER_ADDRESS', address: true, line: 5 }]);
  });
  it('os.Getenv("PORT") with a fallback assigned later', () => {
    const src = 'port := os.Getenv("PORT")\nif port == "" {\n\tport = "8080"\n}\nhttp.ListenAndServe(":"+port, nil)\n';
    expect(go(src)).toMatchObject([{ port: 8080, envVar: 'PORT' }]);
    expect(go(src)[0]?.address).toBeUndefined();
  });
  it('a literal address is fixed', () => {
    expect(go('srv := &http.Server{Addr: ":9090", Handler: mux}\nsrv.ListenAndServe()\n')).toMatchObject([{ port: 9090, envVar: null }]);
  });
  it("gin's Run() with no address reads PORT; exec's cmd.Run() is not a server", () => {
    expect(go('import "github.com/gin-gonic/gin"\nr := gin.Default()\nr.Run()\n')).toMatchObject([{ port: 8080, envVar: 'PORT' }]);
    expect(go('import "github.com/gin-gonic/gin"\nexec.Command("migrate").Run()\nr := gin.New()\nr.Run(":9000")\n')).toMatchObject([{ port: 9000, envVar: null, line: 4 }]);
  });
  it('a config field is not guessed', () => {
    expect(go('http.ListenAndServe(cfg.Addr, r)\n')).toMatchObject([{ port: null, envVar: null }]);
  });
});

describe('Rust', () => {
  it('env::var with unwrap_or_else and a format! address', () => {
    const src = 'let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_string());\nlet listener = tokio::net::TcpListener::bind(format!("0.0.0.0:{port}")).await.unwrap();\n';
    expect(rs(src)).toMatchObject([{ port: 3000, envVar: 'PORT' }]);
  });
  it('a literal bind is fixed', () => {
    expect(rs('let listener = TcpListener::bind("0.0.0.0:7878").unwrap();\n')).toMatchObject([{ port: 7878, envVar: null }]);
  });
  it('actix HttpServer bind on a tuple', () => {
    expect(rs('HttpServer::new(|| App::new()).bind(("0.0.0.0", 8088))?.run().await\n')).toMatchObject([{ port: 8088, envVar: null }]);
  });
});

describe('Go routes', () => {
  const paths = (text: string) => goRoutes('main.go', text).map((r) => r.path);
  it('reads the default mux, Go 1.22 method patterns and routers made by their constructor', () => {
    expect(paths('http.HandleFunc("/healthz", h)\nmux := http.NewServeMux()\nmux.HandleFunc("GET /livez", h)\nr := chi.NewRouter()\nr.Get("/ping", h)\n')).toEqual(['/healthz', '/livez', '/ping']);
  });
  it('skips a router it did not see made, and a file that groups or mounts routes under a prefix', () => {
    expect(paths('func register(r chi.Router) { r.Get("/health", h) }\n')).toEqual([]);
    expect(paths('r := gin.New()\nr.GET("/healthz", h)\nv1 := r.Group("/v1")\n')).toEqual([]);
  });
});
