declare module '*.sql' {
  const text: string;
  export default text;
}

declare module '*.css' {
  const path: string;
  export default path;
}

declare module 'htmx.org/dist/htmx.min.js' {
  const path: string;
  export default path;
}

/** The console's own script (views/assets/app.js), embedded like the stylesheet. */
declare module '*/assets/app.js' {
  const path: string;
  export default path;
}
