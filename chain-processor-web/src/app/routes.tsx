/** Every page and who may see it. */
import { Navigate, type RouteObject } from "react-router";
import { AbPage } from "../pages/ab/AbPage";
import { AuditPage } from "../pages/admin/AuditPage";
import { UsersPage } from "../pages/admin/UsersPage";
import { SignInPage } from "../pages/auth/SignInPage";
import { ChainsPage } from "../pages/chains/ChainsPage";
import { DesignerPage } from "../pages/chains/DesignerPage";
import { ExecutionDetailPage } from "../pages/executions/ExecutionDetailPage";
import { ExecutionsPage } from "../pages/executions/ExecutionsPage";
import { NodeEditorPage } from "../pages/nodes/NodeEditorPage";
import { NodesPage } from "../pages/nodes/NodesPage";
import { NotFoundPage } from "../pages/NotFoundPage";
import { RequireAuth } from "./RequireAuth";
import { Shell } from "./Shell";

export const routes: RouteObject[] = [
  { path: "/login", element: <SignInPage /> },
  {
    element: <RequireAuth><Shell /></RequireAuth>,
    children: [
      { index: true, element: <Navigate to="/chains" replace /> },
      { path: "chains", element: <ChainsPage /> },
      { path: "chains/:chainId", element: <DesignerPage /> },
      { path: "nodes", element: <NodesPage /> },
      { path: "nodes/:nodeId", element: <NodeEditorPage /> },
      { path: "executions", element: <ExecutionsPage /> },
      { path: "executions/:executionId", element: <ExecutionDetailPage /> },
      { path: "ab", element: <AbPage /> },
      { path: "admin/users", element: <RequireAuth needs="admin"><UsersPage /></RequireAuth> },
      { path: "admin/audit", element: <RequireAuth needs="admin"><AuditPage /></RequireAuth> },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
];
