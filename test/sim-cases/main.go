// Prints, as JSON, the cases of Istio's tests that are plain data, read with go/ast from the Istio module's own files
// at test time, so that meshctl is checked against Istio's tests without copying them: the simulation tests
// (pilot/pkg/networking/core/*_simulation_test.go) for explain, istioctl's validate test for validate:
//
//	routes FILE               TestSidecarRoutes: each case's VirtualService and Sidecar arguments, the namespace of
//	                          the proxy, the route configuration (a port) and the clusters expected per domain;
//	peer-authentication FILE  TestPeerAuthenticationPassthrough: each case's configuration (YAML) and its inbound
//	                          calls (port, mTLS or plaintext) with the cluster matched or the error expected;
//	validate-resource FILE    TestValidateResource (istioctl/pkg/validate): each case's name, input (YAML) and
//	                          whether istioctl finds it valid and warns.
//
// Usage: go run . routes|peer-authentication|validate-resource FILE
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
)

type simCase struct {
	Name      string               `json:"name"`
	Configs   []map[string]any     `json:"configs"`
	Proxy     string               `json:"proxyNamespace"`
	RouteName string               `json:"routeName"`
	Expected  map[string]*[]string `json:"expected"`
	Skipped   string               `json:"skipped,omitempty"`
}

var consts = map[string]string{}

func str(e ast.Expr) (string, bool) {
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind == token.STRING {
			s, err := strconv.Unquote(v.Value)
			return s, err == nil
		}
		if v.Kind == token.INT {
			return v.Value, true
		}
	case *ast.Ident:
		s, ok := consts[v.Name]
		return s, ok
	}
	return "", false
}

func strings(e ast.Expr) ([]string, bool) {
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, false
	}
	out := []string{}
	for _, x := range cl.Elts {
		s, ok := str(x)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// keyed is a keyed composite literal's fields by name ({name: "x", proxy: …}).
func keyed(e ast.Expr) map[string]ast.Expr {
	out := map[string]ast.Expr{}
	items, _ := elts(e)
	for _, it := range items {
		if kv, ok := it.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok {
				out[id.Name] = kv.Value
			}
		}
	}
	return out
}

// elts is a composite literal's elements (none, and false, for anything else).
func elts(e ast.Expr) ([]ast.Expr, bool) {
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, false
	}
	return cl.Elts, true
}

func config(e ast.Expr) (map[string]any, bool) {
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, false
	}
	id, ok := cl.Type.(*ast.Ident)
	if !ok {
		return nil, false
	}
	out := map[string]any{"kind": id.Name}
	for _, el := range cl.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return nil, false
		}
		key := kv.Key.(*ast.Ident).Name
		if s, ok := str(kv.Value); ok {
			out[key] = s
		} else if l, ok := strings(kv.Value); ok {
			out[key] = l
		} else {
			return nil, false
		}
	}
	return out, true
}

func main() {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, os.Args[2], nil, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Args[1] == "peer-authentication" {
		peerAuthentication(f)
		return
	}
	// package-level string constants (TimeOlder, …; validDeploymentList, …)
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if v, ok := str(vs.Values[i]); ok {
							consts[n.Name] = v
						}
					}
				}
			}
		}
	}
	if os.Args[1] == "validate-resource" {
		validateResource(f)
		return
	}
	var cases []simCase
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "TestSidecarRoutes" {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 1 || as.Lhs[0].(*ast.Ident).Name != "cases" {
				return true
			}
			for _, el := range as.Rhs[0].(*ast.CompositeLit).Elts {
				c := simCase{Expected: map[string]*[]string{}}
				for key, value := range keyed(el) {
					switch key {
					case "name":
						c.Name, _ = str(value)
					case "routeName":
						c.RouteName, _ = str(value)
					case "proxy":
						call, ok := value.(*ast.CallExpr)
						if ok && len(call.Args) == 1 {
							c.Proxy, _ = str(call.Args[0])
						}
					case "cfg":
						list, ok := elts(value)
						if !ok {
							c.Skipped = "configs that are not a list"
						}
						for _, x := range list {
							m, ok := config(x)
							if !ok {
								c.Skipped = "a config that is not plain data"
								continue
							}
							c.Configs = append(c.Configs, m)
						}
					case "expected":
						entries, ok := elts(value)
						if !ok {
							c.Skipped = "expectations that are not a map"
						}
						for _, x := range entries {
							ekv := x.(*ast.KeyValueExpr)
							host, _ := str(ekv.Key)
							if id, ok := ekv.Value.(*ast.Ident); ok && id.Name == "nil" {
								c.Expected[host] = nil
							} else if l, ok := strings(ekv.Value); ok {
								c.Expected[host] = &l
							} else {
								c.Skipped = "an expectation that is not plain data"
							}
						}
					}
				}
				if c.Proxy == "" && c.Skipped == "" {
					c.Skipped = "a proxy that is not proxy(namespace)"
				}
				cases = append(cases, c)
			}
			return false
		})
	}
	out, _ := json.MarshalIndent(cases, "", "  ")
	os.Stdout.Write(out)
}

type paCall struct {
	Name    string `json:"name"`
	Port    int    `json:"port"`
	TLS     string `json:"tls"`
	Cluster string `json:"cluster,omitempty"`
	Error   string `json:"error,omitempty"`
}

type paCase struct {
	Name    string   `json:"name"`
	Config  string   `json:"config"`
	Calls   []paCall `json:"calls"`
	Skipped string   `json:"skipped,omitempty"`
}

// text evaluates a string expression of local string variables, literals and +.
func text(e ast.Expr, vars map[string]string) (string, bool) {
	switch v := e.(type) {
	case *ast.BinaryExpr:
		a, ok1 := text(v.X, vars)
		b, ok2 := text(v.Y, vars)
		return a + b, ok1 && ok2 && v.Op == token.ADD
	case *ast.Ident:
		s, ok := vars[v.Name]
		return s, ok
	}
	return str(e)
}

func peerAuthentication(f *ast.File) {
	var cases []paCase
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "TestPeerAuthenticationPassthrough" {
			continue
		}
		vars := map[string]string{}
		for _, st := range fn.Body.List {
			as, ok := st.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
				continue
			}
			name := as.Lhs[0].(*ast.Ident).Name
			if s, ok := text(as.Rhs[0], vars); ok {
				vars[name] = s
				continue
			}
			if name != "cases" {
				continue
			}
			for _, el := range as.Rhs[0].(*ast.CompositeLit).Elts {
				c := paCase{}
				for key, value := range keyed(el) {
					switch key {
					case "name":
						c.Name, _ = str(value)
					case "config":
						s, ok := text(value, vars)
						if !ok {
							c.Skipped = "a configuration that is not plain text"
						}
						c.Config = s
					case "calls":
						for _, x := range value.(*ast.CompositeLit).Elts {
							call, ok := expectCall(x.(*ast.CompositeLit))
							if !ok {
								c.Skipped = "a call that is not plain data"
								continue
							}
							c.Calls = append(c.Calls, call)
						}
					}
				}
				cases = append(cases, c)
			}
		}
	}
	out, _ := json.MarshalIndent(cases, "", "  ")
	os.Stdout.Write(out)
}

// expectCall reads simulation.Expect{Name, Call: mkCall(PORT, simulation.MTLS|Plaintext), Result: simulation.Result{…}}.
func expectCall(cl *ast.CompositeLit) (paCall, bool) {
	c := paCall{}
	for key, value := range keyed(cl) {
		switch key {
		case "Name":
			c.Name, _ = str(value)
		case "Call":
			call, ok := value.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return c, false
			}
			port, ok := str(call.Args[0])
			sel, ok2 := call.Args[1].(*ast.SelectorExpr)
			if !ok || !ok2 {
				return c, false
			}
			c.Port, _ = strconv.Atoi(port)
			c.TLS = sel.Sel.Name
		case "Result":
			if _, ok := value.(*ast.CompositeLit); !ok {
				return c, false
			}
			for rkey, rvalue := range keyed(value) {
				switch rkey {
				case "ClusterMatched":
					c.Cluster, _ = str(rvalue)
				case "Error":
					if sel, ok := rvalue.(*ast.SelectorExpr); ok {
						c.Error = sel.Sel.Name
					}
				default:
					return c, false
				}
			}
		}
	}
	return c, true
}

type validateCase struct {
	Name    string `json:"name"`
	In      string `json:"in"`
	Valid   bool   `json:"valid"`
	Warn    bool   `json:"warn"`
	Skipped string `json:"skipped,omitempty"`
}

// validateResource reads TestValidateResource's table: cases := []struct{name, in, valid, warn}{{name: …, in: CONST, valid: true}, …}.
func validateResource(f *ast.File) {
	var cases []validateCase
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "TestValidateResource" {
			return true
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 1 || as.Lhs[0].(*ast.Ident).Name != "cases" {
				return true
			}
			items, _ := elts(as.Rhs[0])
			for _, it := range items {
				c := validateCase{}
				for key, value := range keyed(it) {
					switch key {
					case "name":
						c.Name, _ = str(value)
					case "in":
						if s, ok := str(value); ok {
							c.In = s
						} else {
							c.Skipped = "input not a constant"
						}
					case "valid", "warn":
						id, ok := value.(*ast.Ident)
						if !ok {
							c.Skipped = key + " not a literal"
						} else if key == "valid" {
							c.Valid = id.Name == "true"
						} else {
							c.Warn = id.Name == "true"
						}
					}
				}
				cases = append(cases, c)
			}
			return false
		})
		return false
	})
	out, _ := json.MarshalIndent(cases, "", "  ")
	os.Stdout.Write(out)
}
