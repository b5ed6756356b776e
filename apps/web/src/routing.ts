import { useEffect, useState } from "react";

/** The app routes by the URL's fragment, so the server serves one page and every view is a link. */
export interface Route {
  page: "dashboard" | "search" | "alerts";
  query: string;
}

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, "");
  const queryAt = path.indexOf("?");
  const page = queryAt === -1 ? path : path.slice(0, queryAt);
  const query = queryAt === -1 ? "" : path.slice(queryAt + 1);
  return { page: page === "/search" ? "search" : page === "/alerts" ? "alerts" : "dashboard", query };
}

export function searchHref(query: string): string {
  return `#/search?${query}`;
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
